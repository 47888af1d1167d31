import type { ExecuteContext, Policy, Protected } from './policy.js';

/** Internal protocol: a retry around a breaker settles both with one promise reaction instead of two. */
export const fusedCall = Symbol('warden.fusedCall');
/** The breaker's onFulfilled for that reaction: counts the success, returns the value. */
export const fusedSuccess = Symbol('warden.fusedSuccess');
/** The breaker's failure counter: the caller's onRejected calls it first. */
export const fusedFailure = Symbol('warden.fusedFailure');

/** A policy that can hand its fast path to an outer policy. */
export interface Fusable {
  /** In its fast state, calls `fn` and returns its promise unobserved; otherwise returns undefined without calling it. */
  [fusedCall]<T>(fn: Protected<T>, ctx: ExecuteContext): Promise<T> | undefined;
  readonly [fusedSuccess]: <T>(value: T) => T;
  readonly [fusedFailure]: (error: unknown) => void;
}

/** True when `policy` takes part in the protocol. */
export function isFusable(policy: Policy): policy is Policy & Fusable {
  return typeof (policy as Partial<Fusable>)[fusedCall] === 'function';
}
