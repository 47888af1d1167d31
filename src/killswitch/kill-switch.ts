import type { KillSwitchEvent } from '../store/index.js';
import { systemClock } from '../util/clock.js';
import { EventSource, type Disposable } from '../util/event.js';
import { nullAlertSink } from '../util/alert-sink.js';
import {
  ALLOW_CANCEL,
  ALLOW_REDUCE,
  ALLOW_RUNNING,
  DENY_HALTED,
  type HaltDecision,
  type HaltState,
  type OrderEffect,
} from './halt-state.js';
import type { KillSwitchOptions, ResumeRequest, TripRequest, TripResult } from './kill-switch-types.js';

export type { KillSwitchOptions, ResumeRequest, TripRequest, TripResult } from './kill-switch-types.js';
import type { TripNotice } from './trip-notice.js';
import type { SwitchContext } from './switch-context.js';
import { HaltRefresh } from './halt-refresh.js';
import { resumeSwitch, tripSwitch, type TripResumeHooks } from './trip-resume.js';
import { watchDataDir, type DataDirWatch } from './watch-data-dir.js';

type Listener = (state: HaltState) => void;

/** Options checked at construction: a bad value throws a RangeError naming it. */
function checkOptions(opts: KillSwitchOptions): void {
  if (opts.pollMs !== undefined && !(opts.pollMs >= 0))
    throw new RangeError(`pollMs: expected a number >= 0, got ${opts.pollMs}`);
  if (opts.leaseMs !== undefined && !(opts.leaseMs >= 0))
    throw new RangeError(`leaseMs: expected a number >= 0, got ${opts.leaseMs}`);
}

/**
 * The kill switch: automatic pause, manual resume. The hot path (`isHalted()`, `allows()`) reads
 * a cached state and makes no system call; the cache is refreshed on a watch of the data dir
 * and on an unref'd poll. Any failure to read the state counts as halted (fail closed), and a
 * trip the store cannot take still halts (STOP file, circuit.json, memory).
 */
export class KillSwitch {
  readonly #ctx: SwitchContext;
  readonly #refresh: HaltRefresh;
  readonly #hooks: TripResumeHooks;
  #state: HaltState;
  #watch: DataDirWatch | undefined;
  readonly #changes = new EventSource<HaltState>();

  /** Creates a kill switch and reads its state once before returning (halted until read). */
  static async open(opts: KillSwitchOptions): Promise<KillSwitch> {
    const ks = new KillSwitch(opts);
    if (ks.#ctx.fillReserve) ks.#ctx.reserve?.ensure();
    await ks.refresh();
    ks.#startWatching(opts.pollMs ?? 1000);
    ks.#refresh.startLease();
    return ks;
  }

  private constructor(opts: KillSwitchOptions) {
    checkOptions(opts);
    const clock = opts.clock ?? systemClock;
    const now = clock.now();
    this.#state = {
      halted: true,
      eventId: null,
      source: 'unreadable',
      reason: 'not read yet',
      since: now,
      by: null,
      checkedAt: now,
    };
    this.#ctx = {
      store: opts.store,
      dataDir: opts.dataDir,
      source: opts.source ?? 'library',
      clock,
      alerts: opts.alerts ?? nullAlertSink,
      reserve: opts.reserve,
      fillReserve: opts.fillReserve === true && opts.reserve !== undefined,
      shout: opts.shout ?? ((l) => void process.stderr.write(`${l}\n`)),
      pending: null,
      closed: false,
      state: () => this.#state,
      set: (s) => this.#set(s),
    };
    this.#refresh = new HaltRefresh(this.#ctx, opts.leaseMs, opts.leaseLost);
    this.#hooks = { flatten: opts.flatten, refresh: () => this.refresh() };
  }

  /** True when trading is halted. Synchronous, no system call: safe before every order. */
  isHalted(): boolean {
    return this.#state.halted;
  }

  /** The cached state. */
  state(): HaltState {
    return this.#state;
  }

  /** Whether an order with this effect may go out now: new risk is denied while halted. */
  allows(effect: OrderEffect): HaltDecision {
    if (!this.#state.halted) return ALLOW_RUNNING;
    if (effect === 'new_risk') return DENY_HALTED;
    return effect === 'cancel' ? ALLOW_CANCEL : ALLOW_REDUCE;
  }

  /** Called whenever the state changes (halted ↔ running, or the halt's source). */
  onChange(listener: Listener): Disposable {
    return this.#changes.subscribe(listener);
  }

  /**
   * Re-reads the store, the STOP file and circuit.json; records halts made outside Warden and
   * their ending by hand; mirrors the state into circuit.json; records a trip held in memory.
   */
  refresh(): Promise<HaltState> {
    return this.#refresh.refresh();
  }

  /**
   * A trip told by a notification (fleet mode's change feed): halts at once, the fail-closed
   * direction needing no confirmation. The caller re-reads right after (`refresh()`); only a read
   * that began after this notice can lift it (a forged or garbled notice is undone by that read,
   * and no notice can ever resume). Ignored when already halted, or when a newer event was read.
   */
  applyTripNotice(t: TripNotice): void {
    this.#refresh.applyNotice(t);
  }

  #set(s: HaltState): void {
    const prev = this.#state;
    this.#state = s;
    const changed =
      prev.halted !== s.halted ||
      (prev.halted && s.halted && (prev.source !== s.source || prev.reason !== s.reason));
    if (changed && this.#changes.size > 0) this.#changes.emit(s);
  }

  /**
   * Halts trading now, durably, mirrors circuit.json, alerts, and flattens when asked. When the
   * store cannot take the trip (full disk: after releasing the reserve), the halt is held in
   * memory, written as the STOP file and circuit.json, alerted and shouted; it is recorded later.
   */
  trip(req: TripRequest): Promise<TripResult> {
    return tripSwitch(this.#ctx, this.#hooks, req);
  }

  /**
   * The only way back: needs a reason and a person's name, and names the halt it clears
   * (compare-and-set: a trip that came after it is never cleared). Removes a STOP file;
   * recorded and alerted.
   */
  resume(req: ResumeRequest): Promise<KillSwitchEvent> {
    return resumeSwitch(this.#ctx, this.#hooks, req);
  }

  /** The durable trip/resume history, newest first. */
  history(limit?: number): Promise<KillSwitchEvent[]> {
    return this.#ctx.store.killSwitch.history(limit);
  }

  #startWatching(pollMs: number): void {
    this.#watch = watchDataDir(this.#ctx.dataDir, pollMs, () => {
      if (!this.#ctx.closed) this.refresh().catch(() => undefined);
    });
  }

  /** Stops the watch and the poll. */
  close(): Promise<void> {
    this.#ctx.closed = true;
    this.#watch?.close();
    this.#refresh.stop();
    return Promise.resolve();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
