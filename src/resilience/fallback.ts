import { AmbiguousOutcomeError } from './errors/ambiguous-outcome-error.js';
import { classifyError } from './taxonomy/classify-error.js';
import { defaultContext, neverAbortedSignal, type ExecuteContext, type ExecuteOptions } from './policy.js';

/** Gives the value returned instead of a failure: called with the error (a `CircuitOpenError` when the circuit refused). */
export type FallbackHandler<T> = (error: unknown, context: ExecuteContext) => PromiseLike<T> | T;

/** Per-call options that add a fallback (`breaker.execute`, `wrap(...).execute`, `protect`). */
export interface FallbackOptions<T> {
  /** Called instead of rejecting; its result (or its own error) reaches the caller. */
  readonly fallback?: FallbackHandler<T>;
  /**
   * Also fall back on an ambiguous failure: one that may have taken effect (an
   * `AmbiguousOutcomeError`, or anything `classifyError` calls ambiguous for a call with side
   * effects: a request timeout, a dropped connection, a 5xx). Default false: such a failure is
   * rethrown, because a fallback value there could hide an order that was placed. A read with
   * no side effect may pass true.
   */
  readonly fallbackOnAmbiguous?: boolean;
}

/** Whether `error` may have taken effect, judged as for a call with side effects (fail closed). */
export function isAmbiguousFailure(error: unknown, now: number): boolean {
  if (error instanceof AmbiguousOutcomeError) return true;
  return classifyError(error, { sideEffect: true, now }).retry === 'ambiguous';
}

/** Just the context of `options` (never the object itself, so the fallback never reaches the call or an inner policy). */
export function contextOf(options: ExecuteOptions): ExecuteContext {
  const { signal, attempt } = options;
  if (signal === undefined && attempt === undefined) return defaultContext;
  return { signal: signal ?? neverAbortedSignal, attempt: attempt ?? 0 };
}

/** The options without the fallback's: a fresh object, so the fallback never reaches an inner policy. */
export function withoutFallback<O extends ExecuteOptions & FallbackOptions<unknown>>(
  options: O,
): Omit<O, 'fallback' | 'fallbackOnAmbiguous'> & { signal: AbortSignal; attempt: number } {
  const { fallback: _f, fallbackOnAmbiguous: _a, ...rest } = options;
  return { ...rest, signal: options.signal ?? neverAbortedSignal, attempt: options.attempt ?? 0 };
}

/**
 * `promise`, or on its rejection the fallback's result. Not called when the caller's signal
 * aborted (the abort reaches the caller: a shutdown is never masked), nor for an ambiguous
 * failure unless `fallbackOnAmbiguous`. The success path adds one rejection handler, nothing else.
 */
export function applyFallback<T>(
  promise: Promise<T>,
  handler: FallbackHandler<T>,
  onAmbiguous: boolean,
  context: ExecuteContext,
  now: () => number,
): Promise<T> {
  return promise.then(undefined, (error: unknown) => {
    if (context.signal.aborted) throw error;
    if (!onAmbiguous && isAmbiguousFailure(error, now())) throw error;
    return handler(error, context);
  });
}
