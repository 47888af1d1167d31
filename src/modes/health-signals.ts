import type { BreakerStateName } from './mode-types.js';

/** The latest value of every health signal; NaN = never reported (or reported as not a number). */
export class HealthSignals {
  balance = NaN;
  balanceAt = NaN;
  equity = NaN;
  equityAt = NaN;
  peakEquity = NaN;
  /** When the feed's last tick was (report time minus the reported age). */
  lastTickAt = NaN;
  breaker: BreakerStateName = 'closed';
  /** When the breaker left closed (kept across open ↔ half-open), NaN while healthy. */
  breakerDegradedSince = NaN;
  reconciliationPending = false;
  clockDriftMs = NaN;
  /** REDUCE_ONLY until this time after a resource failure (disk full, out of memory, no file descriptors); NaN: none. */
  resourceHeldUntil = NaN;
  resourceDetail = '';
}

/** Breaker states in which the write path is degraded. */
export function breakerDegraded(s: BreakerStateName): boolean {
  return s === 'open' || s === 'half-open' || s === 'forced-open';
}
