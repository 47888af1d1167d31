import { parseRetryAfter as parseRetryAfterHeader } from '../resilience/http-failure.js';
import type { Redactor } from './redact.js';
import { maskUrl } from './redact.js';
import type { FetchLike, SendOutcome } from './types.js';

/** How one HTTP notifier posts JSON and reads the answer. */
export interface PostJsonOptions {
  readonly fetch: FetchLike;
  readonly url: string;
  readonly payload: unknown;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly redactor: Redactor;
  /** The current time (ms), to read a `Retry-After` HTTP date. */
  readonly now: () => number;
  /** The endpoint's retry-after from a 429 body (ms), when it puts it there. */
  readonly retryAfterFromBody?: (body: unknown) => number | undefined;
  /** Why a 2xx answer is still a failure (Telegram's `ok: false`), or null. */
  readonly failureIn2xx?: (body: unknown) => string | null;
  /** The endpoint's own description of an error, from its body. */
  readonly describe?: (body: unknown) => string | undefined;
}

/** At most this many characters of an endpoint's answer go into an error (after redaction). */
export const MAX_SNIPPET = 200;
/** At most this many bytes of an answer are read at all; the rest is discarded unread. */
export const MAX_ANSWER_BYTES = 64 * 1024;
/** Retry-after values are capped at a day: an endpoint cannot park an alert forever. */
const MAX_RETRY_AFTER_MS = 86_400_000;

/** Reads at most `max` bytes (default `MAX_ANSWER_BYTES`) of a response body as UTF-8, then cancels the rest. */
export async function readBounded(res: Response, max = MAX_ANSWER_BYTES): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } finally {
    if (total >= max) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_SNIPPET ? `${flat.slice(0, MAX_SNIPPET)}…` : flat;
}

/** Parses a `Retry-After` header: seconds, or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  const ms = parseRetryAfterHeader(value, now);
  return ms === undefined ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.ceil(ms));
}

/** Seconds (as JSON gives them) to capped milliseconds. */
export function secondsToMs(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.ceil(value * 1000));
}

/** A failed fetch in one line: `timed out after N ms`, `aborted`, `network error: … ECONNREFUSED …`. */
export function describeNetworkError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
    if (err.name === 'AbortError') return 'aborted';
    const cause = (err as { cause?: unknown }).cause;
    let detail = err.message;
    if (cause instanceof Error) {
      const code = (cause as { code?: unknown }).code;
      detail += `: ${typeof code === 'string' ? `${code} ` : ''}${cause.message}`;
    }
    return `network error: ${detail}`;
  }
  return `network error: ${String(err)}`;
}

/**
 * POSTs `payload` as JSON and classifies the answer: 2xx → sent; network error, timeout, 5xx
 * and 429 → retry (with the endpoint's retry-after); any other 4xx → fail. Never throws;
 * every error string has passed through the redactor.
 */
export async function postJson(o: PostJsonOptions): Promise<SendOutcome> {
  const where = maskUrl(o.url);
  let res: Response;
  let text: string;
  try {
    res = await o.fetch(o.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(o.payload),
      signal: AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]),
      redirect: 'error',
    });
    text = await readBounded(res);
  } catch (err) {
    return {
      kind: 'retry',
      error: o.redactor.redact(`${describeNetworkError(err, o.timeoutMs)} (${where})`),
    };
  }
  let body: unknown = undefined;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  // Redacted before it is cut, so a secret that straddles the cut leaves no prefix behind.
  const detail = (): string => {
    const described = body === undefined ? undefined : o.describe?.(body);
    const d = oneLine(o.redactor.redact(described ?? text));
    return d === '' ? '' : `: ${d}`;
  };
  const status = res.status;
  if (status >= 200 && status < 300) {
    const why = o.failureIn2xx?.(body) ?? null;
    if (why === null) return { kind: 'sent' };
    return {
      kind: 'fail',
      error: o.redactor.redact(`HTTP ${status} from ${where}: ${oneLine(o.redactor.redact(why))}`),
    };
  }
  const error = o.redactor.redact(`HTTP ${status} from ${where}${detail()}`);
  if (status === 429) {
    const fromBody = body === undefined ? undefined : o.retryAfterFromBody?.(body);
    const retryAfterMs = fromBody ?? parseRetryAfter(res.headers.get('retry-after'), o.now());
    return retryAfterMs === undefined ? { kind: 'retry', error } : { kind: 'retry', error, retryAfterMs };
  }
  if (status >= 500) return { kind: 'retry', error };
  return { kind: 'fail', error };
}
