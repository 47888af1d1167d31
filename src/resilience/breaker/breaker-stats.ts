import type { BreakerState, BreakerStateName, BreakerStats } from './breaker-types.js';
import type { WindowSnapshot } from './trip-rule.js';

/** Milliseconds per state, all zero. */
export function zeroTimeInState(): Record<BreakerStateName, number> {
  return { closed: 0, open: 0, 'half-open': 0, 'forced-open': 0, 'forced-closed': 0, disabled: 0 };
}

/** The counters a breaker keeps, as `buildStats` needs them. */
export interface BreakerCounters {
  readonly retryAfter: number | null;
  readonly successes: number;
  readonly failures: number;
  readonly slowCalls: number;
  readonly rejections: number;
  readonly trips: number;
  readonly window: WindowSnapshot;
  /** Time spent in each finished state period. */
  readonly timeIn: Readonly<Record<BreakerStateName, number>>;
}

/** A breaker's stats as a plain object, the current state's time included. */
export function buildStats(name: string, state: BreakerState, now: number, c: BreakerCounters): BreakerStats {
  const timeInState = { ...c.timeIn };
  timeInState[state.state] += Math.max(0, now - state.since);
  const w = c.window;
  return {
    name,
    state: state.state,
    since: state.since,
    retryAfter: c.retryAfter,
    calls: c.successes + c.failures,
    successes: c.successes,
    failures: c.failures,
    slowCalls: c.slowCalls,
    rejections: c.rejections,
    trips: c.trips,
    window: {
      ...w,
      failureRate: w.calls === 0 ? 0 : w.failures / w.calls,
      slowCallRate: w.calls === 0 ? 0 : w.slowCalls / w.calls,
    },
    timeInState,
  };
}
