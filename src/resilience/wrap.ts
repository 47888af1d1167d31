import { systemClock } from '../util/clock.js';
import { applyFallback, withoutFallback, type FallbackOptions } from './fallback.js';
import { toContext, type ExecuteContext, type Policy, type Protected } from './policy.js';
import type { RetryExecuteOptions } from './retry/retry.js';

/** Per-call options of a composition: the outermost policy's (a retry's `resolveAmbiguous`), and a fallback around it all. */
export interface WrappedExecuteOptions<T> extends RetryExecuteOptions<T>, FallbackOptions<T> {}

/** A composition; its options reach the outermost policy, so a per-call `resolveAmbiguous` works when a retry is outermost. */
export interface WrappedPolicy extends Policy {
  execute<T>(fn: Protected<T>, options?: WrappedExecuteOptions<T>): Promise<T>;
}

/**
 * Composes policies, outermost first: `wrap(retry, breaker, timeout).execute(fn)` retries calls
 * that go through the breaker, each bounded by the timeout. One context (attempt, signal) flows
 * down: each policy passes on the one it received or one it derived (a retry's attempt, a timeout's signal).
 * A per-call `fallback` applies to the outcome of the whole composition (after every retry).
 */
export function wrap(...policies: Policy[]): WrappedPolicy {
  if (policies.length === 0) throw new RangeError('wrap policies must not be empty, got 0 policies');
  const [outer, ...rest] = policies as [Policy, ...Policy[]];
  if (rest.length === 0) return new Wrapped(outer, undefined);
  const inner = rest.length === 1 ? (rest[0] as Policy) : wrap(...rest);
  return new Wrapped(outer, inner);
}

class Wrapped implements WrappedPolicy {
  readonly #outer: Policy;
  readonly #inner: Policy | undefined;

  constructor(outer: Policy, inner: Policy | undefined) {
    this.#outer = outer;
    this.#inner = inner;
  }

  execute<T>(fn: Protected<T>, options?: WrappedExecuteOptions<T>): Promise<T> {
    if (options !== undefined && options.fallback !== undefined) {
      const ctx = withoutFallback(options);
      const onAmbiguous = options.fallbackOnAmbiguous === true;
      return applyFallback(this.#run(fn, ctx), options.fallback, onAmbiguous, ctx, systemClock.now);
    }
    return this.#run(fn, options);
  }

  #run<T>(fn: Protected<T>, options: RetryExecuteOptions<T> | undefined): Promise<T> {
    const inner = this.#inner;
    const outer = this.#outer;
    if (inner === undefined) return outer.execute(fn, options);
    if (outer.executeThrough !== undefined) return outer.executeThrough(inner, fn, options);
    return outer.execute((ctx: ExecuteContext) => inner.execute(fn, ctx), toContext(options));
  }
}
