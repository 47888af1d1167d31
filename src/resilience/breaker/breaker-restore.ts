import type { BreakerJSON, BreakerState, TransitionReason } from './breaker-types.js';
import type { TripRuleJSON } from './trip-rule.js';

/** What restoring needs from the breaker (its private steps, lent for the constructor only). */
export interface RestoreSteps {
  setTrips(trips: number, lastOpenMs: number): void;
  restoreRule(state: TripRuleJSON): void;
  enter(state: BreakerState, reason: TransitionReason): void;
  /** Applies what time alone changed (an open period over: half-open). */
  refresh(now: number): void;
  /** Holds it forced open until `until` (Infinity: until reset or forced closed). */
  hold(until: number, reason: string): void;
  forceClosed(): void;
  disable(): void;
}

const NAMES = new Set(['closed', 'open', 'half-open', 'forced-open', 'forced-closed', 'disabled']);

/**
 * Brings a breaker back to a saved state. An open breaker whose period ended meanwhile comes back
 * half-open; one forced open until further notice stays so. A garbled state never wedges it open:
 * an open state without a valid time comes back half-open; an unknown one is ignored (closed).
 */
export function restoreBreaker(json: BreakerJSON, now: number, steps: RestoreSteps): void {
  if (json?.v !== 1 || !NAMES.has(json.state?.state)) return;
  const trips = Number.isInteger(json.trips) && json.trips >= 0 ? json.trips : 0;
  steps.setTrips(trips, Number.isFinite(json.lastOpenMs) ? json.lastOpenMs : 0);
  if (typeof json.rule === 'object' && json.rule !== null) steps.restoreRule(json.rule);
  const s = json.state;
  switch (s.state) {
    case 'closed':
      return;
    case 'open':
      if (!Number.isFinite(s.until) || !Number.isFinite(s.since))
        return steps.enter({ state: 'half-open', since: now, trips }, 'open-elapsed');
      steps.enter({ state: 'open', since: Math.min(s.since, now), until: s.until, trips }, 'tripped');
      return steps.refresh(now);
    case 'half-open':
      return steps.enter({ state: 'half-open', since: now, trips }, 'open-elapsed');
    case 'forced-open':
      return steps.hold(
        typeof s.until === 'number' && !Number.isNaN(s.until) ? s.until : Infinity,
        typeof s.reason === 'string' ? s.reason : 'restored',
      );
    case 'forced-closed':
      return steps.forceClosed();
    case 'disabled':
      return steps.disable();
    default:
      return s satisfies never;
  }
}
