import { systemClock } from '../util/clock.js';
import type { Disposable } from '../util/event.js';
import { applyFallback, type FallbackOptions } from './fallback.js';
import { defaultContext, neverAbortedSignal, type ExecuteContext, type Policy } from './policy.js';

/** Options of `protect`: a fallback, and the signal every call carries (a shutdown signal). */
export interface ProtectOptions<R> extends FallbackOptions<R> {
  readonly signal?: AbortSignal;
}

/** The keys of `O` whose values are functions. */
export type MethodKeys<O> = {
  [K in keyof O]-?: O[K] extends (...args: never[]) => unknown ? K : never;
}[keyof O];

type Fn = (...args: never[]) => unknown;
type Protected<F extends Fn> = (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>;

/**
 * Seed 002's `@breaker.protect` without a decorator. `protect(fn, policy)` returns a function
 * that runs every call of `fn` through `policy` (`this` and the arguments pass through).
 * `protect(obj, 'method', policy)` replaces `obj.method` with that function (bound to `obj`) and
 * returns a disposable that puts the original back.
 */
export function protect<F extends Fn>(
  fn: F,
  policy: Policy,
  options?: ProtectOptions<Awaited<ReturnType<F>>>,
): Protected<F>;
export function protect<O extends object, K extends MethodKeys<O>>(
  obj: O,
  method: K,
  policy: Policy,
  options?: ProtectOptions<O[K] extends Fn ? Awaited<ReturnType<O[K]>> : never>,
): Disposable;
export function protect(
  target: object,
  second: PropertyKey | Policy,
  third?: Policy | ProtectOptions<unknown>,
  fourth?: ProtectOptions<unknown>,
): Protected<Fn> | Disposable {
  if (typeof second === 'string' || typeof second === 'symbol' || typeof second === 'number')
    return protectMethod(target, second, third as Policy, fourth ?? {});
  if (typeof target !== 'function')
    throw new TypeError(`protect needs a function, or an object and a method name, got ${typeof target}`);
  return protectFunction(target as Fn, checkPolicy(second), (third ?? {}) as ProtectOptions<unknown>);
}

function checkPolicy(policy: unknown): Policy {
  if (typeof (policy as Policy | undefined)?.execute !== 'function')
    throw new TypeError(`protect policy must have an execute method, got ${String(policy)}`);
  return policy as Policy;
}

function protectFunction(fn: Fn, policy: Policy, options: ProtectOptions<unknown>): Protected<Fn> {
  const signal = options.signal ?? neverAbortedSignal;
  const ctx: ExecuteContext = signal === neverAbortedSignal ? defaultContext : { signal, attempt: 0 };
  const handler = options.fallback;
  const onAmbiguous = options.fallbackOnAmbiguous === true;
  const now = (): number => systemClock.now();
  return function protectedCall(this: unknown, ...args: never[]): Promise<unknown> {
    const p = policy.execute(() => fn.apply(this, args), ctx);
    return handler === undefined ? p : applyFallback(p, handler, onAmbiguous, ctx, now);
  };
}

function protectMethod(
  obj: object,
  key: PropertyKey,
  policy: Policy,
  options: ProtectOptions<unknown>,
): Disposable {
  const original = (obj as Record<PropertyKey, unknown>)[key];
  if (typeof original !== 'function')
    throw new TypeError(`protect: ${String(key)} is not a method of the object, got ${typeof original}`);
  const own = Object.getOwnPropertyDescriptor(obj, key);
  const wrapped = protectFunction((original as Fn).bind(obj) as Fn, checkPolicy(policy), options);
  Object.defineProperty(obj, key, {
    value: wrapped,
    writable: true,
    configurable: true,
    enumerable: own?.enumerable ?? false,
  });
  let done = false;
  const dispose = (): void => {
    if (done) return;
    done = true;
    // Put the original back only if nobody replaced the method since: never clobber a later change.
    if ((obj as Record<PropertyKey, unknown>)[key] !== wrapped) return;
    if (own === undefined) delete (obj as Record<PropertyKey, unknown>)[key];
    else Object.defineProperty(obj, key, own);
  };
  return { dispose, [Symbol.dispose]: dispose };
}
