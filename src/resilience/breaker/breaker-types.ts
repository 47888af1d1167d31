import type { TripRuleJSON, WindowSnapshot } from './trip-rule.js';

/** The names of a breaker's states. */
export type BreakerStateName = 'closed' | 'open' | 'half-open' | 'forced-open' | 'forced-closed' | 'disabled';

/** A breaker's state: a tagged union; `since` is when it was entered (epoch ms). */
export type BreakerState =
  | { readonly state: 'closed'; readonly since: number }
  /** Tripped by its rule; admits a probe at `until`. `trips` counts trips since it last closed. */
  | { readonly state: 'open'; readonly since: number; readonly until: number; readonly trips: number }
  /** Admitting up to `halfOpenProbes` probe calls, whose verdict closes or reopens it. */
  | { readonly state: 'half-open'; readonly since: number; readonly trips: number }
  /** Forced open by hand: until `until`, or until released when `until` is null. Never drifts by itself. */
  | {
      readonly state: 'forced-open';
      readonly since: number;
      readonly until: number | null;
      readonly reason: string;
    }
  /** Forced closed by hand: every call goes through and is counted, nothing trips. */
  | { readonly state: 'forced-closed'; readonly since: number }
  /** Out of the path: calls go straight through, uncounted. */
  | { readonly state: 'disabled'; readonly since: number };

/** Why a state changed. */
export type TransitionReason =
  | 'tripped'
  | 'open-elapsed'
  | 'probe-succeeded'
  | 'probe-failed'
  | 'probe-hung'
  | 'forced-open'
  | 'released'
  | 'forced-closed'
  | 'disabled'
  | 'reset'
  /** Opened because another process on the same account tripped (shared breakers). */
  | 'peer-opened'
  /** Closed because another process's probe succeeded (shared breakers). */
  | 'peer-closed';

/** Emitted on every state change. */
export interface StateChangeEvent {
  readonly breaker: string;
  readonly from: BreakerStateName;
  readonly to: BreakerState;
  readonly reason: TransitionReason;
}

/** Emitted after a call that did not count as a failure. */
export interface SuccessEvent {
  readonly breaker: string;
  readonly durationMs: number;
  /** Slower than `slowCallMs`: counts against the breaker's slow-call rate. */
  readonly slow: boolean;
}

/** Emitted after a call that counted as a failure: it threw (`error`) or its result was judged a failure. */
export interface FailureEvent {
  readonly breaker: string;
  readonly durationMs: number;
  readonly slow: boolean;
  readonly kind: 'error' | 'result';
  /** The error thrown, or the result judged a failure. */
  readonly value: unknown;
}

/** Emitted when a call is refused without being sent. */
export interface RejectEvent {
  readonly breaker: string;
  readonly state: 'open' | 'half-open' | 'forced-open';
  readonly retryAfter: number | null;
}

/** A breaker's figures as a plain object, for metrics. */
export interface BreakerStats {
  readonly name: string;
  readonly state: BreakerStateName;
  /** When the current state was entered (epoch ms). */
  readonly since: number;
  /** When the breaker will admit a call (epoch ms): now when it admits calls, null when forced open indefinitely. */
  readonly retryAfter: number | null;
  /** Calls that ran (not rejected). */
  readonly calls: number;
  readonly successes: number;
  readonly failures: number;
  readonly slowCalls: number;
  readonly rejections: number;
  /** Times the breaker tripped open (by its rule or a failed probe) since it was created or reset. */
  readonly trips: number;
  /** The trip rule's window now, with its rates (0 when empty). */
  readonly window: WindowSnapshot & { readonly failureRate: number; readonly slowCallRate: number };
  /** Milliseconds spent in each state, including the current one. */
  readonly timeInState: Readonly<Record<BreakerStateName, number>>;
}

/** What `toJSON()` writes and `initialState` accepts. */
export interface BreakerJSON {
  readonly v: 1;
  readonly name: string;
  readonly state: BreakerState;
  /** Trips since the breaker last closed (drives the open-duration backoff). */
  readonly trips: number;
  /** The last open duration (ms), for decorrelated backoffs. */
  readonly lastOpenMs: number;
  readonly rule: TripRuleJSON;
}
