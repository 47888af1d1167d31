import { verdict, type GateIntent, type GateLayer, type LayerVerdict } from '../gate/layer.js';
import type { DecisionSink } from '../modes/degradation-options.js';
import { TripLatch } from '../modes/trip-latch.js';
import { nullAlertSink, type AlertInput, type AlertSink } from '../util/alert-sink.js';
import { systemClock, type Clock } from '../util/clock.js';
import {
  positive,
  type LossLimitSnapshot,
  type LossLimitState,
  type PnlReport,
  type SessionLossLimitOptions,
} from './loss-limit-options.js';
import { SessionBoundary } from './session-boundary.js';

const L = 'loss_limit';
const ALLOW_OK = verdict(L, true, 'loss_limit_ok');
const ALLOW_WARNED = verdict(L, true, 'loss_limit_warning');
const ALLOW_REDUCE = verdict(L, true, 'loss_limit_allow_reduce_only');
const ALLOW_CANCEL = verdict(L, true, 'loss_limit_allow_cancel');
const DENY_HIT = verdict(L, false, 'loss_limit_hit');
const DENY_NO_PNL = verdict(L, false, 'loss_limit_no_pnl_fail_closed');
const DENY_BAD = verdict(L, false, 'loss_limit_bad_pnl_fail_closed');

type Phase = 'awaiting_pnl' | 'active' | 'warned' | 'tripped' | 'bad_pnl';

const money = (x: number): string => (Math.round(x * 100) / 100).toString();

/**
 * The intra-session kill switch (seed 000): a session loss limit in money and in percent of
 * start-of-session equity, whichever is hit first. Warns at `warnShare` of it, trips the kill
 * switch with flatten at it, and denies new risk until the next session boundary or a manual
 * resume of that trip. Before the session's first P&L report, or on a P&L that is not a number,
 * new risk is denied (fail closed).
 */
export class SessionLossLimit implements GateLayer {
  /** The layer's name in gate verdicts. */
  readonly name = L;
  readonly #maxLoss: number;
  readonly #maxLossPct: number;
  readonly #warnShare: number;
  readonly #boundary: SessionBoundary;
  readonly #alerts: AlertSink;
  readonly #decisions: DecisionSink | undefined;
  readonly #clock: Clock;
  readonly #by: string;
  readonly #latch: TripLatch;
  #timer: NodeJS.Timeout | undefined;
  #phase: Phase = 'awaiting_pnl';
  #sessionStart: number;
  #next: number;
  #r0 = NaN;
  #u0 = NaN;
  #startEquity = NaN;
  #lastR = NaN;
  #lastU = NaN;
  #lastEq = NaN;
  #loss = 0;
  #share = 0;
  #trippedAt = NaN;
  #badDetail = '';

  constructor(opts: SessionLossLimitOptions) {
    this.#maxLoss = positive('maxLoss', opts.maxLoss);
    this.#maxLossPct = positive('maxLossPct', opts.maxLossPct);
    if (this.#maxLoss === Infinity && this.#maxLossPct === Infinity)
      throw new RangeError('maxLoss / maxLossPct: set at least one');
    if (this.#maxLossPct !== Infinity && this.#maxLossPct >= 1)
      throw new RangeError(`maxLossPct: a fraction of equity below 1 (got ${this.#maxLossPct}; 5 % is 0.05)`);
    const w = opts.warnShare ?? 0.8;
    if (!(w > 0 && w <= 1)) throw new RangeError(`warnShare: must be in (0, 1] (got ${w})`);
    this.#warnShare = w;
    const every = opts.intervalMs ?? 1000;
    if (!Number.isFinite(every) || every < 0) throw new RangeError(`intervalMs: must be >= 0 (got ${every})`);
    this.#boundary = new SessionBoundary(opts.boundary ?? { dailyAt: '00:00', timezone: 'UTC' });
    this.#alerts = opts.alerts ?? nullAlertSink;
    this.#decisions = opts.decisions;
    this.#clock = opts.clock ?? systemClock;
    this.#by = opts.by ?? 'loss_limit';
    const now = this.#clock.now();
    this.#sessionStart = now;
    this.#next = this.#boundary.next(now);
    this.#latch = new TripLatch(opts.killSwitch, () => this.#reset('resume', this.#clock.now()));
    if (opts.initialState) this.#restore(opts.initialState, now);
    if (every > 0) {
      this.#timer = setInterval(() => this.poll(), every);
      this.#timer.unref();
    }
  }

  /** The state now. */
  get state(): LossLimitState {
    const b = { sessionStart: this.#sessionStart, nextBoundary: this.#next };
    switch (this.#phase) {
      case 'awaiting_pnl':
        return { state: 'awaiting_pnl', ...b };
      case 'bad_pnl':
        return { state: 'bad_pnl', ...b, detail: this.#badDetail };
      case 'active':
      case 'warned':
        return {
          state: this.#phase,
          ...b,
          startEquity: this.#startEquity,
          loss: this.#loss,
          share: this.#share,
        };
      case 'tripped':
        return {
          state: 'tripped',
          ...b,
          startEquity: this.#startEquity,
          loss: this.#loss,
          share: this.#share,
          trippedAt: this.#trippedAt,
        };
      default:
        return this.#phase satisfies never;
    }
  }

  /** Pushes the P&L; the session's first report sets its baseline and start-of-session equity. */
  report(p: PnlReport): LossLimitState {
    const now = this.#clock.now();
    if (now >= this.#next) this.#roll(now);
    if (!Number.isFinite(p.realised) || !Number.isFinite(p.unrealised) || !Number.isFinite(p.equity)) {
      this.#bad(
        `P&L not a number (realised ${p.realised}, unrealised ${p.unrealised}, equity ${p.equity})`,
        now,
      );
      return this.state;
    }
    this.#lastR = p.realised;
    this.#lastU = p.unrealised;
    this.#lastEq = p.equity;
    if (Number.isNaN(this.#r0)) this.#baseline();
    if (this.#maxLossPct !== Infinity && !(this.#startEquity > 0)) {
      this.#bad(
        `start-of-session equity ${this.#startEquity} is not positive: the percent limit cannot be judged`,
        now,
      );
      return this.state;
    }
    this.#loss = -(p.realised - this.#r0 + (p.unrealised - this.#u0));
    this.#share = Math.max(this.#loss / this.#maxLoss, this.#loss / this.#startEquity / this.#maxLossPct);
    if (this.#phase === 'tripped') return this.state;
    if (this.#share >= 1) this.#trip(now);
    else if (this.#share >= this.#warnShare && this.#phase !== 'warned') this.#warn(now);
    else if (this.#phase !== 'warned') this.#phase = 'active';
    return this.state;
  }

  /** Applies a boundary that has passed and retries a trip that failed (the timer calls it). */
  poll(): LossLimitState {
    const now = this.#clock.now();
    if (now >= this.#next) this.#roll(now);
    if (this.#phase === 'tripped' && this.#latch.state.state === 'failed') this.#tripKillSwitch();
    return this.state;
  }

  /** The gate layer: allocation-free. New risk is denied after the limit, before the first report and on bad P&L. */
  check(intent: GateIntent, now: number): LayerVerdict {
    if (now >= this.#next) this.#roll(now);
    if (intent.cancel) return ALLOW_CANCEL;
    if (intent.reduceOnly) return ALLOW_REDUCE;
    switch (this.#phase) {
      case 'active':
        return ALLOW_OK;
      case 'warned':
        return ALLOW_WARNED;
      case 'tripped':
        return DENY_HIT;
      case 'awaiting_pnl':
        return DENY_NO_PNL;
      case 'bad_pnl':
        return DENY_BAD;
      default:
        return this.#phase satisfies never;
    }
  }

  /** What a restart needs to carry on the same session: pass it back as `initialState`. */
  toJSON(): LossLimitSnapshot {
    const l = this.#latch.state;
    const n = (x: number): number | null => (Number.isFinite(x) ? x : null);
    return {
      sessionStart: this.#sessionStart,
      realised0: n(this.#r0),
      unrealised0: n(this.#u0),
      startEquity: n(this.#startEquity),
      tripped: this.#phase === 'tripped',
      tripEventId: l.state === 'held' ? l.trippedAt : null,
    };
  }

  /**
   * Carries on a saved session when no boundary has passed since it began: the baseline is kept
   * (new risk waits for the first report), and a hit limit stays hit until a resume of its trip.
   * A snapshot of an older session is ignored (a boundary reset it).
   */
  #restore(snap: LossLimitSnapshot, now: number): void {
    if (!(Number.isFinite(snap.sessionStart) && snap.sessionStart <= now)) return;
    if (this.#boundary.next(snap.sessionStart) <= now) return;
    this.#sessionStart = snap.sessionStart;
    if (snap.realised0 !== null && snap.unrealised0 !== null && snap.startEquity !== null) {
      this.#r0 = snap.realised0;
      this.#u0 = snap.unrealised0;
      this.#startEquity = snap.startEquity;
    }
    if (snap.tripped) {
      this.#phase = 'tripped';
      this.#trippedAt = snap.sessionStart;
      this.#latch.restore(snap.tripEventId);
    }
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

  #limitText(): string {
    const parts: string[] = [];
    if (this.#maxLoss !== Infinity) parts.push(money(this.#maxLoss));
    if (this.#maxLossPct !== Infinity)
      parts.push(`${(this.#maxLossPct * 100).toFixed(2)}% of ${money(this.#startEquity)}`);
    return parts.join(' or ');
  }

  #lossText(): string {
    const pct = this.#startEquity > 0 ? ` (${((this.#loss / this.#startEquity) * 100).toFixed(2)}%)` : '';
    return `session loss ${money(this.#loss)}${pct}, limit ${this.#limitText()}`;
  }

  #baseline(): void {
    this.#r0 = this.#lastR;
    this.#u0 = this.#lastU;
    this.#startEquity = this.#lastEq;
    this.#loss = 0;
    this.#share = 0;
  }

  #warn(now: number): void {
    this.#phase = 'warned';
    this.#record('warning', now);
    this.#alert({
      key: `loss-limit:warn:${this.#sessionStart}:${now}`,
      severity: 'warning',
      title: `Session loss at ${Math.round(this.#share * 100)}% of the limit`,
      body: `${this.#lossText()}; trading halts with flatten at the limit`,
    });
  }

  #trip(now: number): void {
    this.#phase = 'tripped';
    this.#trippedAt = now;
    this.#record('trip', now);
    this.#alert({
      key: `loss-limit:trip:${this.#sessionStart}:${now}`,
      severity: 'critical',
      title: 'Session loss limit hit',
      body: `${this.#lossText()}. Flattening and halting; new risk is denied until the next session or a manual resume`,
    });
    this.#tripKillSwitch();
  }

  #tripKillSwitch(): void {
    this.#latch.trip(`session loss limit: ${this.#lossText()}`, this.#by).catch((err: unknown) => {
      this.#alert({
        key: `loss-limit:trip-failed:${this.#clock.now()}`,
        severity: 'critical',
        title: 'Loss limit could not trip the kill switch',
        body: `${(err as Error).message}; new risk stays denied and the trip is retried`,
      });
    });
  }

  #bad(detail: string, now: number): void {
    if (this.#phase === 'tripped') return;
    const was = this.#phase;
    this.#phase = 'bad_pnl';
    this.#badDetail = detail;
    if (was !== 'bad_pnl') {
      this.#record('bad_pnl', now);
      this.#alert({
        key: `loss-limit:bad:${now}`,
        severity: 'warning',
        title: 'Loss limit cannot judge the P&L',
        body: `${detail}; new risk denied`,
      });
    }
  }

  #roll(now: number): void {
    let b = this.#next;
    for (let i = 0; i < 100_000; i++) {
      const n = this.#boundary.next(b);
      if (!(n <= now)) break;
      b = n;
    }
    this.#sessionStart = b;
    this.#next = this.#boundary.next(now);
    this.#latch.abandon();
    this.#reset('session', now);
  }

  /** A new session, or a resume of the trip: the baseline is the last reported P&L (if any). */
  #reset(why: 'session' | 'resume', now: number): void {
    const was = this.#phase;
    this.#trippedAt = NaN;
    if (Number.isNaN(this.#lastR)) {
      this.#r0 = this.#u0 = this.#startEquity = NaN;
      this.#phase = 'awaiting_pnl';
    } else {
      this.#baseline();
      this.#phase = this.#maxLossPct !== Infinity && !(this.#startEquity > 0) ? 'bad_pnl' : 'active';
    }
    this.#record(why === 'session' ? 'session_start' : 'resume_reset', now);
    if (was === 'tripped' || was === 'warned')
      this.#alert({
        key: `loss-limit:reset:${why}:${now}`,
        severity: 'info',
        title: why === 'session' ? 'Loss limit reset: new session' : 'Loss limit reset by the resume',
        body:
          why === 'session'
            ? `session from ${new Date(this.#sessionStart).toISOString()}; the kill switch itself stays halted until a resume`
            : 'the session baseline is the P&L at the resume',
      });
  }

  #record(event: string, now: number): void {
    try {
      this.#decisions?.append({
        kind: 'loss_limit',
        by: this.#by,
        data: {
          event,
          at: now,
          sessionStart: this.#sessionStart,
          startEquity: Number.isFinite(this.#startEquity) ? this.#startEquity : null,
          loss: this.#loss,
          share: Number.isFinite(this.#share) ? this.#share : null,
          maxLoss: Number.isFinite(this.#maxLoss) ? this.#maxLoss : null,
          maxLossPct: Number.isFinite(this.#maxLossPct) ? this.#maxLossPct : null,
        },
      });
    } catch (err) {
      process.stderr.write(`warden: loss-limit ${event} not logged: ${(err as Error).message}\n`);
    }
  }

  #alert(a: AlertInput): void {
    this.#alerts.alert(a).catch((err: unknown) => {
      process.stderr.write(
        `warden: ALERT NOT DELIVERED (${(err as Error).message}): [${a.severity}] ${a.title}\n`,
      );
    });
  }
}
