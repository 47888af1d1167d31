/** What every protected call receives: the attempt number (0 for the first) and the signal to honour. */
export interface ExecuteContext {
  /** Aborts when the caller, a timeout or a shutdown gives up on the call. */
  readonly signal: AbortSignal;
  /** 0 for the first attempt, 1 for the first retry, and so on. */
  readonly attempt: number;
}

/** What a caller may pass to `execute`: any part of the context; the rest is filled in. */
export interface ExecuteOptions {
  readonly signal?: AbortSignal;
  readonly attempt?: number;
}

/** A function protected by a policy; it receives the context and may return a value or a promise. */
export type Protected<T> = (context: ExecuteContext) => PromiseLike<T> | T;

/** Every protection that wraps a call (breaker, retry, timeout, bulkhead, `wrap(...)`) implements this. */
export interface Policy {
  execute<T>(fn: Protected<T>, options?: ExecuteOptions): Promise<T>;
  /**
   * Optional: the same as `execute((ctx) => inner.execute(fn, ctx), options)` without allocating
   * that closure per call. `wrap()` uses it when a policy has it.
   */
  executeThrough?<T>(inner: Policy, fn: Protected<T>, options?: ExecuteOptions): Promise<T>;
}

/** A signal that never aborts: shared, so a call without a signal allocates nothing. */
export const neverAbortedSignal: AbortSignal = new AbortController().signal;

/** The context used when the caller passes none. */
export const defaultContext: ExecuteContext = Object.freeze({ signal: neverAbortedSignal, attempt: 0 });

/** Turns caller options into a full context, allocating only when a field is missing. */
export function toContext(options: ExecuteOptions | undefined): ExecuteContext {
  if (options === undefined) return defaultContext;
  if (options.signal !== undefined && options.attempt !== undefined) return options as ExecuteContext;
  return { signal: options.signal ?? neverAbortedSignal, attempt: options.attempt ?? 0 };
}
