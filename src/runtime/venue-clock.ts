import type { Exchange } from '../exchange/index.js';
import { systemTimers, type Timers } from '../resilience/index.js';
import { systemClock, type Clock } from '../util/clock.js';

/** One reading of the venue's clock: the drift (host minus venue, ms, signed) or why it failed. */
export type VenueClockReading =
  | { readonly ok: true; readonly driftMs: number; readonly rttMs: number; readonly at: number }
  | { readonly ok: false; readonly error: Error; readonly at: number };

/** Options of `VenueClockSync`. */
export interface VenueClockOptions {
  /** The venue whose server time is read (`fetchServerTime`). */
  readonly exchange: Pick<Exchange, 'fetchServerTime'>;
  /** Where the drift goes: the degradation manager's clock-drift signal. */
  readonly modes: { clockDrift(ms: number): unknown };
  /** Read the venue's time this often (ms) after `start()`; 0: only when `sync()` is called. */
  readonly intervalMs: number;
  /** A read that takes longer than this fails (ms). Default 5000. */
  readonly timeoutMs?: number;
  /** After a failed read, the next one comes this much later (ms). Default min(intervalMs, 5000). */
  readonly retryMs?: number;
  /** Told about every reading (e.g. to log or alert). */
  readonly onReading?: (r: VenueClockReading) => void;
  readonly clock?: Clock;
  readonly timers?: Timers;
}

function positive(name: string, v: number, zeroOk: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!zeroOk && v === 0))
    throw new RangeError(`${name} must be a number ${zeroOk ? '>= 0' : '> 0'} (ms), got ${String(v)}`);
  return v;
}

/**
 * Reads the venue's server time and pushes the clock drift into the degradation modes. The drift
 * is this host's clock at the middle of the round trip minus the venue's time (so a round trip
 * adds at most half its length of error). A read that fails or times out pushes a drift that is
 * not a number, which the modes treat as beyond any limit (OBSERVATION, `clock_drift`: fail
 * closed), until a later read succeeds. Reads never overlap; the timer is `unref()`'d.
 */
export class VenueClockSync {
  readonly #o: VenueClockOptions;
  readonly #clock: Clock;
  readonly #timers: Timers;
  readonly #timeoutMs: number;
  readonly #intervalMs: number;
  readonly #retryMs: number;
  #inFlight: Promise<VenueClockReading> | null = null;
  #timer: unknown = null;
  #closed = false;
  #last: VenueClockReading | null = null;

  constructor(o: VenueClockOptions) {
    if (typeof o?.exchange?.fetchServerTime !== 'function')
      throw new RangeError('VenueClockSync needs an exchange with fetchServerTime()');
    if (typeof o.modes?.clockDrift !== 'function')
      throw new RangeError('VenueClockSync needs modes with clockDrift(ms)');
    this.#o = o;
    this.#intervalMs = positive('intervalMs', o.intervalMs, true);
    this.#timeoutMs = positive('timeoutMs', o.timeoutMs ?? 5000, false);
    this.#retryMs = positive(
      'retryMs',
      o.retryMs ?? (this.#intervalMs === 0 ? 5000 : Math.min(this.#intervalMs, 5000)),
      false,
    );
    this.#clock = o.clock ?? systemClock;
    this.#timers = o.timers ?? systemTimers;
  }

  /** The last reading, or null before the first. */
  get last(): VenueClockReading | null {
    return this.#last;
  }

  /** Reads the venue's time now (joining a read in flight) and pushes the drift; never rejects. */
  sync(): Promise<VenueClockReading> {
    this.#inFlight ??= this.#read().finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }

  /** Reads now, then every `intervalMs` (a failed read is retried after `retryMs`). */
  start(): Promise<VenueClockReading> {
    return this.sync().then((r) => {
      this.#schedule(r);
      return r;
    });
  }

  /** Stops the timer; a read in flight still completes but schedules nothing. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(r: VenueClockReading): void {
    if (this.#closed || this.#intervalMs === 0) return;
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = this.#timers.setTimeout(
      () => {
        this.#timer = null;
        void this.sync().then((next) => this.#schedule(next));
      },
      r.ok ? this.#intervalMs : this.#retryMs,
    );
  }

  async #read(): Promise<VenueClockReading> {
    const t0 = this.#clock.now();
    let r: VenueClockReading;
    try {
      const server = await this.#o.exchange.fetchServerTime({ signal: AbortSignal.timeout(this.#timeoutMs) });
      const t1 = this.#clock.now();
      if (typeof server !== 'number' || !Number.isFinite(server))
        throw new TypeError(`the venue's server time is not a number: ${String(server)}`);
      r = { ok: true, driftMs: Math.round((t0 + t1) / 2 - server), rttMs: t1 - t0, at: t1 };
    } catch (err) {
      r = { ok: false, error: err instanceof Error ? err : new Error(String(err)), at: this.#clock.now() };
    }
    if (this.#closed) return r;
    this.#last = r;
    // a failed read is a drift that is not a number: the modes take it as beyond any limit
    this.#o.modes.clockDrift(r.ok ? r.driftMs : NaN);
    try {
      this.#o.onReading?.(r);
    } catch {
      /* a listener's failure changes nothing */
    }
    return r;
  }
}
