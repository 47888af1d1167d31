import { nullAlertSink, type AlertSink } from '../util/alert-sink.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Exchange } from './exchange.js';

/** Where the venue's dead man's switch stands, as this process last saw it. */
export type DeadMansSwitchState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'armed'; readonly until: number }
  | { readonly kind: 'unsupported'; readonly reason: string }
  | { readonly kind: 'failing'; readonly since: number; readonly error: string };

/** Options of `DeadMansSwitch`. */
export interface DeadMansSwitchOptions {
  readonly exchange: Exchange;
  /** The venue cancels every open order when no refresh arrives within this (ms). */
  readonly timeoutMs: number;
  /** A refresh that fails alerts once per failure episode; an unsupported venue alerts once. */
  readonly alerts?: AlertSink;
  readonly clock?: Clock;
}

/**
 * The exchange-side dead man's switch (`cancelAllOrdersAfter`): `refresh()` re-arms it, and is
 * called from the bot's heartbeat loop (`refreshOnBeat`), so a bot that dies stops refreshing
 * and the venue cancels its resting orders `timeoutMs` later. Pick a timeout of a few heartbeat
 * periods. A failed refresh alerts (the switch may lapse and cancel the bot's orders: that is the
 * safe side) and never throws into the heartbeat.
 */
export class DeadMansSwitch {
  readonly #ex: Exchange;
  readonly #timeoutMs: number;
  readonly #alerts: AlertSink;
  readonly #clock: Clock;
  #state: DeadMansSwitchState = { kind: 'idle' };
  #inFlight: Promise<DeadMansSwitchState> | null = null;

  constructor(options: DeadMansSwitchOptions) {
    if (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 1)
      throw new RangeError(`timeoutMs must be a positive integer, got ${String(options.timeoutMs)}`);
    this.#ex = options.exchange;
    this.#timeoutMs = options.timeoutMs;
    this.#alerts = options.alerts ?? nullAlertSink;
    this.#clock = options.clock ?? systemClock;
  }

  /** The state after the last refresh. */
  get state(): DeadMansSwitchState {
    return this.#state;
  }

  /** Re-arms the switch for `timeoutMs`; concurrent calls share one request. Never throws. */
  refresh(): Promise<DeadMansSwitchState> {
    this.#inFlight ??= this.#refresh().finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }

  async #refresh(): Promise<DeadMansSwitchState> {
    const at = this.#clock.now();
    const prev = this.#state;
    if (prev.kind === 'unsupported') return prev;
    try {
      const r = await this.#ex.armDeadMansSwitch(this.#timeoutMs);
      if (r.status === 'unsupported') {
        this.#state = { kind: 'unsupported', reason: r.reason };
        await this.#alert(
          `dms:unsupported:${this.#ex.id}`,
          'warning',
          "No dead man's switch on this venue",
          `${r.reason}: a bot that dies leaves its resting orders behind`,
        );
      } else this.#state = { kind: 'armed', until: at + this.#timeoutMs };
      if (prev.kind === 'failing' && this.#state.kind === 'armed')
        await this.#alert(
          `dms:recovered:${prev.since}`,
          'info',
          "Dead man's switch re-armed",
          `refreshes to ${this.#ex.id} work again`,
        );
    } catch (err) {
      const error = `${(err as Error).name}: ${(err as Error).message}`;
      const since = prev.kind === 'failing' ? prev.since : at;
      this.#state = { kind: 'failing', since, error };
      if (prev.kind !== 'failing')
        await this.#alert(
          `dms:failing:${since}`,
          'critical',
          "Dead man's switch refresh failed",
          `${this.#ex.id}: ${error}. If refreshes keep failing the venue cancels every open order ${this.#timeoutMs} ms after the last one that worked.`,
        );
    }
    return this.#state;
  }

  /** Disarms the switch (a clean shutdown that wants its orders to stay). */
  async disarm(): Promise<void> {
    await this.#inFlight;
    const r = await this.#ex.armDeadMansSwitch(0);
    this.#state = r.status === 'unsupported' ? { kind: 'unsupported', reason: r.reason } : { kind: 'idle' };
  }

  async #alert(
    key: string,
    severity: 'info' | 'warning' | 'critical',
    title: string,
    body: string,
  ): Promise<void> {
    await this.#alerts.alert({ key, severity, title, body }).catch(() => undefined);
  }
}

/** Wraps a heartbeat writer so every beat also refreshes the dead man's switch (after the beat is written). */
export function refreshOnBeat<W extends { beat(...args: never[]): Promise<unknown> }>(
  writer: W,
  dms: DeadMansSwitch,
): W {
  const beat = writer.beat.bind(writer) as (...a: unknown[]) => Promise<unknown>;
  return new Proxy(writer, {
    get(target, prop, receiver) {
      if (prop !== 'beat') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: unknown[]) => {
        const r = await beat(...args);
        await dms.refresh();
        return r;
      };
    },
  });
}
