/** What a trip rule's window holds right now. */
export interface WindowSnapshot {
  /** Calls counted in the window. */
  readonly calls: number;
  /** Failures among them. */
  readonly failures: number;
  /** Calls slower than the breaker's `slowCallMs` (successful or not). */
  readonly slowCalls: number;
}

/** A trip rule's state, as plain JSON, for `toJSON()` / `initialState`. */
export type TripRuleJSON = { readonly kind: string } & Readonly<Record<string, unknown>>;

/**
 * Decides when a closed breaker trips; the breaker's state machine is kept apart from it.
 * One instance per breaker (rules hold state). `record` is the hot path: O(1), no allocation.
 */
export interface TripRule {
  /** True when `record` and `snapshot` read `now` (time windows); the breaker skips the clock otherwise. */
  readonly usesTime: boolean;
  /** Counts one finished call in closed state; returns true when the breaker should open. */
  record(failed: boolean, slow: boolean, now: number): boolean;
  /** Forgets everything (on close, on reset). */
  reset(): void;
  /** The window as it is at `now`. */
  snapshot(now: number): WindowSnapshot;
  toJSON(): TripRuleJSON;
  /** Restores what `toJSON` wrote; ignores a state of another kind or shape. */
  restore(state: TripRuleJSON): void;
}

/** Checks a rate option in (0, 1]. */
export function checkRate(option: string, value: number | undefined): void {
  if (value === undefined) return;
  if (!(value > 0 && value <= 1)) throw new RangeError(`${option} must be in (0, 1], got ${value}`);
}

/** Checks an integer option >= min. */
export function checkInt(option: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw new RangeError(`${option} must be an integer >= ${min}, got ${value}`);
}

/** Shared by the window rules: trips on failure rate or slow-call rate once `minimumCalls` is reached. */
export function rateExceeded(
  calls: number,
  failures: number,
  slowCalls: number,
  minimumCalls: number,
  failureRate: number,
  slowCallRate: number,
): boolean {
  if (calls < minimumCalls || calls === 0) return false;
  return failures >= failureRate * calls || slowCalls >= slowCallRate * calls;
}
