import { classifyCcxtError } from './ccxt-errors.js';
import { failureClass, type ClassifyOptions, type FailureClass } from './failure-class.js';
import { classifyHttpStatus, httpStatus, retryAfterOf } from './http-failure.js';

/** Node / undici codes raised before the request left: safe to repeat even with side effects. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
]);
/** Codes raised once the request may have been sent. */
const MAYBE_SENT = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const RESOURCE = new Set([
  'ENOMEM',
  'ENOSPC',
  'EMFILE',
  'ENFILE',
  'EDQUOT',
  'ERR_WORKER_OUT_OF_MEMORY',
  // better-sqlite3's codes for a full disk and an allocation that failed
  'SQLITE_FULL',
  'SQLITE_NOMEM',
]);

type Bag = Record<string, unknown>;

/**
 * Classifies a failure by category (network, exchange, data, logic, state, resource) and by
 * whether it may be retried. Checked in order: Warden's own errors, ccxt's classes, an HTTP
 * status, Node system codes, JavaScript's built-in errors; anything else is `unknown`/`never`.
 */
export function classifyError(error: unknown, options: ClassifyOptions = {}): FailureClass {
  const sideEffect = options.sideEffect ?? false;
  if (typeof error !== 'object' || error === null) return failureClass('unknown', 'never', 'not-an-object');
  const e = error as Bag;
  const now = options.now ?? Date.now();
  const code = typeof e['code'] === 'string' ? e['code'] : undefined;
  const sent = sideEffect ? 'ambiguous' : 'retryable';
  switch (code) {
    case 'E_TIMEOUT':
      return failureClass('network', sent, 'warden:E_TIMEOUT');
    case 'E_AMBIGUOUS':
      return failureClass('network', 'ambiguous', 'warden:E_AMBIGUOUS');
    case 'E_BULKHEAD_FULL':
      return failureClass('resource', 'conditional', 'warden:E_BULKHEAD_FULL');
    case 'E_CIRCUIT_OPEN': {
      const at = e['retryAfter'];
      const ms = typeof at === 'number' ? Math.max(0, at - now) : undefined;
      return failureClass('exchange', 'conditional', 'warden:E_CIRCUIT_OPEN', ms);
    }
  }
  const ccxt = classifyCcxtError(error, sideEffect);
  if (ccxt !== undefined) {
    // A rate limit that says when to come back (Retry-After, or Warden's retryAfterMs) is honoured.
    const after = retryAfterOf(e, now);
    return after === undefined ? ccxt : { ...ccxt, retryAfterMs: after };
  }
  const status = httpStatus(e);
  if (status !== undefined) return classifyHttpStatus(status, sideEffect, retryAfterOf(e, now));
  if (code !== undefined) {
    if (NOT_SENT.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('CERT_'))
      return failureClass('network', 'retryable', `node:${code}`);
    if (MAYBE_SENT.has(code)) return failureClass('network', sent, `node:${code}`);
    if (RESOURCE.has(code)) return failureClass('resource', 'never', `node:${code}`);
    if (code === 'ABORT_ERR') return failureClass('network', sideEffect ? 'ambiguous' : 'never', 'aborted');
  }
  const name = e['name'];
  if (name === 'AbortError') return failureClass('network', sideEffect ? 'ambiguous' : 'never', 'aborted');
  if (name === 'TimeoutError') return failureClass('network', sent, 'js:TimeoutError'); // AbortSignal.timeout()
  if (error instanceof RangeError && /call stack|memory|allocation/i.test(error.message))
    return failureClass('resource', 'never', 'js:RangeError');
  if (error instanceof SyntaxError) return failureClass('data', 'never', 'js:SyntaxError'); // JSON.parse of a response
  if (error instanceof TypeError || error instanceof ReferenceError || error instanceof RangeError)
    return failureClass('logic', 'never', `js:${error.constructor.name}`);
  return failureClass('unknown', 'never', 'default');
}

/**
 * A breaker `isFailure` predicate: true for failures that say the dependency is unwell (network,
 * exchange availability, 5xx, 429, timeouts), false for failures that are the caller's own
 * (an invalid order, insufficient funds, a bug): those must not open the exchange's breaker.
 */
export function isDependencyFailure(error: unknown): boolean {
  const c = classifyError(error);
  if (c.retry === 'retryable' || c.retry === 'ambiguous') return true;
  return c.category === 'network' || c.reason === 'ccxt:OnMaintenance' || (c.status ?? 0) >= 500;
}
