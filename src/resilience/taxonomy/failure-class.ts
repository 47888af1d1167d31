/** What kind of thing failed (seed 003, section 1). `unknown` when nothing identifies it. */
export type FailureCategory = 'network' | 'exchange' | 'data' | 'logic' | 'state' | 'resource' | 'unknown';

/**
 * May it be tried again?
 * - `retryable`: yes, with backoff;
 * - `conditional`: only after a wait the failure states (Retry-After, a breaker's retryAfter, maintenance);
 * - `never`: no, retrying cannot help or would do harm;
 * - `ambiguous`: the action may have taken effect: find out before repeating it.
 */
export type Retryability = 'retryable' | 'conditional' | 'never' | 'ambiguous';

/** The verdict on one failure. */
export interface FailureClass {
  readonly category: FailureCategory;
  readonly retry: Retryability;
  /** How long to wait before trying again (ms), when the failure says so. */
  readonly retryAfterMs: number | undefined;
  /** The HTTP status, when the failure carries one. */
  readonly status: number | undefined;
  /** What matched, e.g. `ccxt:RequestTimeout`, `http:503`, `node:ECONNRESET`, `warden:E_TIMEOUT`. */
  readonly reason: string;
}

/** Options of `classifyError`. */
export interface ClassifyOptions {
  /**
   * The call changes something (creates or cancels an order). A failure that may have happened
   * after the request was sent is then `ambiguous` instead of `retryable`. Default false.
   */
  readonly sideEffect?: boolean;
  /** Now (epoch ms), to turn an HTTP-date Retry-After into a delay. Default `Date.now()`. */
  readonly now?: number;
}

/** Builds a verdict. */
export function failureClass(
  category: FailureCategory,
  retry: Retryability,
  reason: string,
  retryAfterMs?: number,
  status?: number,
): FailureClass {
  return { category, retry, retryAfterMs, status, reason };
}
