import type { GateIntent, GateLayer, LayerVerdict } from '../gate/layer.js';
import type { HaltState } from '../killswitch/index.js';
import { EventSource, type Subscribe } from '../resilience/event.js';
import { nullAlertSink, type AlertInput, type AlertSink } from '../util/alert-sink.js';
import { systemClock, type Clock } from '../util/clock.js';
import { assessMode } from './assess-mode.js';
import {
  resolveThresholds,
  type DecisionSink,
  type DegradationOptions,
  type ModeThresholds,
} from './degradation-options.js';
import { HealthSignals, breakerDegraded } from './health-signals.js';
import { modeVerdict } from './mode-verdicts.js';
import type {
  BreakerStateName,
  HealthReport,
  Mode,
  ModeChange,
  ModeReason,
  ModeState,
} from './mode-types.js';
import { TripLatch } from './trip-latch.js';

const FAIL_CLOSED: ReadonlySet<ModeReason> = new Set([
  'balance_unknown',
  'equity_unknown',
  'account_stale',
  'feed_unknown',
]);

const SEVERITY: Record<Mode, AlertInput['severity']> = {
  FULL: 'info',
  REDUCE_ONLY: 'warning',
  OBSERVATION: 'warning',
  SHUTDOWN: 'critical',
};

/** What `followBreaker` needs of a `CircuitBreaker`. */
export interface FollowableBreaker {
  readonly state: BreakerStateName;
  onStateChange(
    listener: (e: { readonly to: { readonly state: BreakerStateName; readonly since: number } }) => void,
  ): {
    dispose(): void;
  };
}

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * The degradation manager: FULL, REDUCE_ONLY, OBSERVATION or SHUTDOWN from pushed health signals
 * (seed 003 section 6). The mode is recomputed on every push, on an unref'd timer, and by `check`
 * when time alone has changed it (a feed that stops pushing goes stale). Every transition is
 * alerted, appended to the decision log and emitted. SHUTDOWN trips the kill switch with flatten
 * and is left only after the kill switch reports a manual resume of that trip.
 */
export class DegradationManager implements GateLayer {
  /** The layer's name in gate verdicts. */
  readonly name = 'mode';
  readonly #t: ModeThresholds;
  readonly #alerts: AlertSink;
  readonly #decisions: DecisionSink | undefined;
  readonly #clock: Clock;
  readonly #by: string;
  readonly #latch: TripLatch;
  readonly #sig = new HealthSignals();
  readonly #changes = new EventSource<ModeChange>();
  #state: ModeState;
  #failClosed = false;
  #changeAt = -Infinity;
  #lastNow = -Infinity;
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: DegradationOptions) {
    this.#t = resolveThresholds(opts);
    this.#alerts = opts.alerts ?? nullAlertSink;
    this.#decisions = opts.decisions;
    this.#clock = opts.clock ?? systemClock;
    this.#by = opts.by ?? 'modes';
    const peak = opts.initialState?.peakEquity;
    if (peak !== undefined && Number.isFinite(peak) && peak > 0) this.#sig.peakEquity = peak;
    const now = this.#clock.now();
    const first = assessMode(this.#sig, this.#t, now);
    // Nothing is reported yet, so the first answer is OBSERVATION (fail closed), never SHUTDOWN.
    this.#state = { mode: 'OBSERVATION', reason: first.reason, detail: first.detail, since: now };
    this.#failClosed = FAIL_CLOSED.has(first.reason);
    const every = opts.intervalMs ?? 1000;
    if (!Number.isFinite(every) || every < 0) throw new RangeError(`intervalMs: must be >= 0 (got ${every})`);
    this.#latch = new TripLatch(opts.killSwitch, (s) => this.#released(s));
    if (every > 0) {
      this.#timer = setInterval(() => this.assess(), every);
      this.#timer.unref();
    }
  }

  /** The current state. */
  get state(): ModeState {
    return this.#state;
  }

  /** The current mode. */
  get mode(): Mode {
    return this.#state.mode;
  }

  /** The thresholds in force. */
  get thresholds(): ModeThresholds {
    return this.#t;
  }

  /** Fires on every transition from one mode to another. */
  get onChange(): Subscribe<ModeChange> {
    return this.#changes.subscribe;
  }

  /** Pushes account and feed signals; NaN or a negative feed age counts as not reported (fail closed). */
  report(r: HealthReport): ModeState {
    const now = this.#now();
    const s = this.#sig;
    if (r.balance !== undefined) {
      s.balance = Number.isFinite(r.balance) ? r.balance : NaN;
      s.balanceAt = now;
    }
    if (r.equity !== undefined) {
      s.equity = Number.isFinite(r.equity) ? r.equity : NaN;
      s.equityAt = now;
      if (s.equity > 0 && !(s.equity <= s.peakEquity)) s.peakEquity = s.equity;
    }
    if (r.feedAgeMs !== undefined)
      s.lastTickAt = Number.isFinite(r.feedAgeMs) && r.feedAgeMs >= 0 ? now - r.feedAgeMs : NaN;
    return this.#recompute(now);
  }

  /** A tick arrived on the price feed at `at` (default now; never later than now). */
  feedTick(at?: number): ModeState {
    const now = this.#now();
    this.#sig.lastTickAt = at === undefined || !Number.isFinite(at) ? now : Math.min(at, now);
    return this.#recompute(now);
  }

  /** The exchange breaker changed state at `since` (wire to `CircuitBreaker.onStateChange`). */
  breakerChanged(state: BreakerStateName, since: number): ModeState {
    const s = this.#sig;
    const was = breakerDegraded(s.breaker);
    s.breaker = state;
    if (!breakerDegraded(state)) s.breakerDegradedSince = NaN;
    else if (!was) s.breakerDegradedSince = since;
    return this.#recompute(this.#now());
  }

  /** Follows a dependency breaker (`CircuitBreaker`): its state now, then every transition. Returns the subscription. */
  followBreaker(b: FollowableBreaker): { dispose(): void } {
    this.breakerChanged(b.state, this.#now());
    return b.onStateChange((e) => this.breakerChanged(e.to.state, e.to.since));
  }

  /** Reconciliation with the venue is pending (REDUCE_ONLY) or done. */
  reconciliation(pending: boolean): ModeState {
    this.#sig.reconciliationPending = pending;
    return this.#recompute(this.#now());
  }

  /**
   * A resource failure (disk full, out of memory, no file descriptors): REDUCE_ONLY for `holdMs`
   * from now (a later one extends it); seed 003: graceful degradation, alert.
   */
  resourceExhausted(detail: string, holdMs: number): ModeState {
    if (!(holdMs > 0)) throw new RangeError(`holdMs: must be > 0 (got ${holdMs})`);
    const now = this.#now();
    const s = this.#sig;
    s.resourceHeldUntil = Number.isNaN(s.resourceHeldUntil)
      ? now + holdMs
      : Math.max(s.resourceHeldUntil, now + holdMs);
    s.resourceDetail = detail;
    return this.#recompute(now);
  }

  /** The measured difference between this host's clock and a reference clock (ms, signed). */
  clockDrift(ms: number): ModeState {
    // A drift that is not a number is a reading that failed: fail closed (beyond any limit).
    this.#sig.clockDriftMs = Number.isFinite(ms) ? ms : Infinity;
    return this.#recompute(this.#now());
  }

  /** Recomputes the mode now (the timer calls it). */
  assess(): ModeState {
    return this.#recompute(this.#now());
  }

  /** The gate layer: allocation-free; applies a change that time alone made since the last push. */
  check(intent: GateIntent, now: number): LayerVerdict {
    if (now >= this.#changeAt) this.#recompute(Math.max(now, this.#lastNow));
    return modeVerdict(this.#state.mode, intent, this.#failClosed);
  }

  /** What a restart should restore: the peak equity drawdown is measured from. */
  toJSON(): { peakEquity: number | null } {
    return { peakEquity: num(this.#sig.peakEquity) };
  }

  /** Stops the timer and the kill-switch subscription. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#latch.dispose();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #now(): number {
    const n = this.#clock.now();
    if (n > this.#lastNow) this.#lastNow = n;
    return this.#lastNow;
  }

  #recompute(now: number): ModeState {
    if (now > this.#lastNow) this.#lastNow = now;
    const cur = this.#state;
    if (cur.mode === 'SHUTDOWN') {
      this.#changeAt = Infinity;
      if (this.#latch.state.state === 'failed') this.#trip(cur.detail);
      return cur;
    }
    const a = assessMode(this.#sig, this.#t, now);
    this.#changeAt = a.changeAt;
    this.#failClosed = FAIL_CLOSED.has(a.reason);
    if (a.mode === cur.mode) {
      if (a.reason !== cur.reason || a.detail !== cur.detail)
        this.#state = { mode: cur.mode, reason: a.reason, detail: a.detail, since: cur.since };
      return this.#state;
    }
    this.#state =
      a.mode === 'SHUTDOWN'
        ? { mode: 'SHUTDOWN', reason: a.reason, detail: a.detail, since: now, tripEventId: null }
        : { mode: a.mode, reason: a.reason, detail: a.detail, since: now };
    this.#transition({ from: cur.mode, to: a.mode, reason: a.reason, detail: a.detail, at: now });
    if (a.mode === 'SHUTDOWN') {
      this.#changeAt = Infinity;
      this.#trip(a.detail);
    }
    return this.#state;
  }

  #transition(c: ModeChange): void {
    this.#seq++;
    const s = this.#sig;
    try {
      this.#decisions?.append({
        kind: 'mode',
        by: this.#by,
        data: {
          ...c,
          signals: {
            balance: num(s.balance),
            equity: num(s.equity),
            peakEquity: num(s.peakEquity),
            feedAgeMs: num(c.at - s.lastTickAt),
            breaker: s.breaker,
            reconciliationPending: s.reconciliationPending,
            clockDriftMs: num(s.clockDriftMs),
          },
        },
      });
    } catch (err) {
      process.stderr.write(
        `warden: mode change not logged (${(err as Error).message}): ${c.from} -> ${c.to}\n`,
      );
    }
    this.#alert({
      key: `mode:${c.at}:${this.#seq}:${c.to}`,
      severity: SEVERITY[c.to],
      title: `Mode ${c.from} -> ${c.to}`,
      body:
        c.to === 'SHUTDOWN'
          ? `${c.detail}. Flattening and halting; leaving SHUTDOWN needs: warden resume --reason "..." --by NAME`
          : c.detail,
    });
    if (this.#changes.size > 0) this.#changes.emit(c);
  }

  #alert(a: AlertInput): void {
    this.#alerts.alert(a).catch((err: unknown) => {
      process.stderr.write(
        `warden: ALERT NOT DELIVERED (${(err as Error).message}): [${a.severity}] ${a.title}\n`,
      );
    });
  }

  #trip(detail: string): void {
    const st = this.#state;
    this.#latch
      .trip(`degradation SHUTDOWN: ${detail}`, this.#by)
      .then((r) => {
        const cur = this.#state;
        if (r?.recorded && cur === st && cur.mode === 'SHUTDOWN')
          this.#state = { ...cur, tripEventId: r.event.id };
      })
      .catch((err: unknown) => {
        this.#alert({
          key: `mode:trip-failed:${this.#clock.now()}`,
          severity: 'critical',
          title: 'SHUTDOWN could not trip the kill switch',
          body: `${(err as Error).message}; mode stays SHUTDOWN and the trip is retried on the next assessment`,
        });
      });
  }

  /** The kill switch reported a resume after the SHUTDOWN trip: the drawdown is accepted, the mode recomputed. */
  #released(_s: HaltState): void {
    if (this.#state.mode !== 'SHUTDOWN') return;
    const s = this.#sig;
    if (Number.isFinite(s.equity) && s.equity > 0) s.peakEquity = s.equity;
    this.#leaveShutdown();
  }

  /** Leaves SHUTDOWN by the assessment; a condition that still holds is a new SHUTDOWN with a new trip. */
  #leaveShutdown(): void {
    const now = this.#now();
    const cur = this.#state;
    const a = assessMode(this.#sig, this.#t, now);
    this.#changeAt = a.changeAt;
    this.#failClosed = FAIL_CLOSED.has(a.reason);
    if (a.mode === 'SHUTDOWN') {
      this.#state = { mode: 'SHUTDOWN', reason: a.reason, detail: a.detail, since: now, tripEventId: null };
      this.#transition({
        from: 'SHUTDOWN',
        to: 'SHUTDOWN',
        reason: a.reason,
        detail: `still: ${a.detail}`,
        at: now,
      });
      this.#changeAt = Infinity;
      this.#trip(a.detail);
      return;
    }
    this.#state = { mode: a.mode, reason: a.reason, detail: a.detail, since: now };
    this.#transition({
      from: cur.mode,
      to: a.mode,
      reason: a.reason,
      detail: `resumed; ${a.detail}`,
      at: now,
    });
  }
}
