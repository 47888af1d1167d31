import type { FetchLike } from './types.js';

/** What every HTTP notifier needs besides its own settings. */
export interface HttpContext {
  readonly fetch: FetchLike;
  /** Per-request timeout (ms). */
  readonly timeoutMs: number;
  /** The current time (ms). */
  readonly now: () => number;
}
