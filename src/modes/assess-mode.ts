import type { ModeThresholds } from './degradation-options.js';
import { type HealthSignals } from './health-signals.js';
import type { Mode, ModeReason } from './mode-types.js';

/** What the signals say at one instant, and the next instant at which time alone changes it. */
export interface Assessment {
  readonly mode: Mode;
  readonly reason: ModeReason;
  readonly detail: string;
  /** The earliest time the answer can change without a new signal (Infinity: never). */
  readonly changeAt: number;
}

const sec = (ms: number): string => `${Math.round(ms / 100) / 10}s`;

/**
 * Seed 003's rules in order of severity, with Warden's fail-closed side for missing signals:
 * SHUTDOWN (balance below minimum, drawdown from the peak beyond the limit) before OBSERVATION
 * (balance, equity or feed never reported or stale, clock drift) before REDUCE_ONLY (exchange
 * breaker out of closed, a resource failure held, reconciliation pending) before FULL. Pure: the manager and the tests share it.
 */
export function assessMode(s: HealthSignals, t: ModeThresholds, now: number): Assessment {
  if (s.balance < t.minBalance)
    return a('SHUTDOWN', 'balance_below_minimum', `balance ${s.balance} below the minimum ${t.minBalance}`);
  if (s.peakEquity > 0 && (s.peakEquity - s.equity) / s.peakEquity > t.maxDrawdown) {
    const dd = ((s.peakEquity - s.equity) / s.peakEquity) * 100;
    return a(
      'SHUTDOWN',
      'drawdown_exceeded',
      `drawdown ${dd.toFixed(1)}% from the peak ${s.peakEquity} exceeds ${(t.maxDrawdown * 100).toFixed(1)}%`,
    );
  }
  if (Number.isNaN(s.balance))
    return a('OBSERVATION', 'balance_unknown', 'balance not reported (fail closed)');
  if (Number.isNaN(s.equity)) return a('OBSERVATION', 'equity_unknown', 'equity not reported (fail closed)');
  let changeAt = Infinity;
  if (t.accountMaxAgeMs > 0) {
    const oldest = Math.min(s.balanceAt, s.equityAt);
    const staleAt = oldest + t.accountMaxAgeMs;
    if (now > staleAt)
      return a(
        'OBSERVATION',
        'account_stale',
        `balance/equity last reported ${sec(now - oldest)} ago (fail closed)`,
      );
    changeAt = staleAt + 1;
  }
  if (Number.isNaN(s.lastTickAt))
    return a('OBSERVATION', 'feed_unknown', 'price feed age not reported (fail closed)');
  const feedStaleAt = s.lastTickAt + t.feedMaxAgeMs;
  if (now > feedStaleAt)
    return a(
      'OBSERVATION',
      'feed_stale',
      `price feed stale (${sec(now - s.lastTickAt)} > ${sec(t.feedMaxAgeMs)})`,
    );
  changeAt = Math.min(changeAt, feedStaleAt + 1);
  if (Math.abs(s.clockDriftMs) > t.maxClockDriftMs)
    return a(
      'OBSERVATION',
      'clock_drift',
      `clock drift ${s.clockDriftMs}ms beyond ${t.maxClockDriftMs}ms`,
      changeAt,
    );
  if (!Number.isNaN(s.breakerDegradedSince)) {
    const at = s.breakerDegradedSince + t.breakerGraceMs;
    if (now >= at)
      return a(
        'REDUCE_ONLY',
        'breaker_open',
        `exchange write API degraded: breaker ${s.breaker} for ${sec(now - s.breakerDegradedSince)}`,
        changeAt,
      );
    changeAt = Math.min(changeAt, at);
  }
  if (now < s.resourceHeldUntil)
    return a(
      'REDUCE_ONLY',
      'resource_exhausted',
      `${s.resourceDetail}: close positions only until ${new Date(s.resourceHeldUntil).toISOString()}`,
      Math.min(changeAt, s.resourceHeldUntil),
    );
  if (s.reconciliationPending)
    return a(
      'REDUCE_ONLY',
      'reconciliation_pending',
      'reconciliation pending: close positions only',
      changeAt,
    );
  return a('FULL', 'nominal', 'all systems nominal', changeAt);
}

function a(mode: Mode, reason: ModeReason, detail: string, changeAt = Infinity): Assessment {
  return { mode, reason, detail, changeAt };
}
