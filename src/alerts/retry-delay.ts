import type { Random } from './types.js';

/**
 * Exponential backoff with "equal jitter": the wait after failed attempt `attempt` (1-based)
 * is uniform in [d/2, d] where d = min(maxMs, initialMs * 2^(attempt-1)).
 */
export function retryDelay(attempt: number, initialMs: number, maxMs: number, random: Random): number {
  const d = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(d / 2 + random() * (d / 2));
}
