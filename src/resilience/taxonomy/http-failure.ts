import { parseRetryAfter } from '../../util/retry-after.js';
import { failureClass, type FailureClass } from './failure-class.js';

/** The one Retry-After parser lives in src/util/retry-after.ts; re-exported here for old imports. */
export { parseRetryAfter };

type Bag = Record<string, unknown>;
const isBag = (v: unknown): v is Bag => typeof v === 'object' && v !== null;

/** The HTTP status an error carries (`status`, `statusCode`, or on its `response`). */
export function httpStatus(error: Bag): number | undefined {
  const response = isBag(error['response']) ? error['response'] : undefined;
  for (const v of [error['status'], error['statusCode'], response?.['status'], response?.['statusCode']]) {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 599) return v;
  }
  return undefined;
}

/** The Retry-After an error carries: `retryAfterMs`, or a `retry-after` header on it or its response. */
export function retryAfterOf(error: Bag, now: number): number | undefined {
  const ms = error['retryAfterMs'];
  if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) return ms;
  const response = isBag(error['response']) ? error['response'] : undefined;
  for (const headers of [error['headers'], response?.['headers']]) {
    if (!isBag(headers)) continue;
    let raw: unknown;
    if (typeof headers['get'] === 'function') raw = (headers['get'] as (k: string) => unknown)('retry-after');
    else {
      const key = Object.keys(headers).find((k) => k.toLowerCase() === 'retry-after');
      raw = key === undefined ? undefined : headers[key];
    }
    if (Array.isArray(raw)) raw = raw[0];
    if (typeof raw === 'string' || typeof raw === 'number') return parseRetryAfter(String(raw), now);
  }
  return undefined;
}

/**
 * HTTP status rules: 429 and 503 were refused before doing anything (retryable, honouring
 * Retry-After); 408 and other 5xx may have been processed (ambiguous on a call with side
 * effects); other 4xx are the request's fault and are never retried.
 */
export function classifyHttpStatus(status: number, sideEffect: boolean, retryAfterMs?: number): FailureClass {
  const r = `http:${status}`;
  if (status === 429 || status === 503) return failureClass('exchange', 'retryable', r, retryAfterMs, status);
  if (status === 408)
    return failureClass('network', sideEffect ? 'ambiguous' : 'retryable', r, retryAfterMs, status);
  if (status >= 500)
    return failureClass('exchange', sideEffect ? 'ambiguous' : 'retryable', r, retryAfterMs, status);
  if (status === 409 || status === 404) return failureClass('state', 'never', r, undefined, status);
  if (status === 400 || status === 422) return failureClass('logic', 'never', r, undefined, status);
  return failureClass('exchange', 'never', r, undefined, status);
}
