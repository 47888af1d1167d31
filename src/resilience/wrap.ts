import { toContext, type ExecuteContext, type Policy, type Protected } from './policy.js';
import type { RetryExecuteOptions } from './retry.js';

/** A composition; its options reach the outermost policy, so a per-call `resolveAmbiguous` works when a retry is outermost. */
export interface WrappedPolicy extends Policy {
  execute<T>(fn: Protected<T>, options?: RetryExecuteOptions<T>): Promise<T>;
}

/**
 * Composes policies, outermost first: `wrap(retry, breaker, timeout).execute(fn)` retries calls
 * that go through the breaker, each bounded by the timeout. One context (attempt, signal) flows
 * down: each policy passes on the one it received or one it derived (a retry's attempt, a timeout's signal).
 */
export function wrap(...policies: Policy[]): WrappedPolicy {
  if (policies.length === 0) throw new RangeError('wrap policies must not be empty, got 0 policies');
  if (policies.length === 1) return policies[0] as WrappedPolicy;
  const [outer, ...rest] = policies as [Policy, ...Policy[]];
  const inner = rest.length === 1 ? (rest[0] as Policy) : wrap(...rest);
  return new Wrapped(outer, inner);
}

class Wrapped implements WrappedPolicy {
  readonly #outer: Policy;
  readonly #inner: Policy;

  constructor(outer: Policy, inner: Policy) {
    this.#outer = outer;
    this.#inner = inner;
  }

  execute<T>(fn: Protected<T>, options?: RetryExecuteOptions<T>): Promise<T> {
    const inner = this.#inner;
    const outer = this.#outer;
    if (outer.executeThrough !== undefined) return outer.executeThrough(inner, fn, options);
    return outer.execute((ctx: ExecuteContext) => inner.execute(fn, ctx), toContext(options));
  }
}
