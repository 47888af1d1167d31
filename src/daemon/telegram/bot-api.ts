// The three Bot API methods the command poller calls (getMe, getUpdates, sendMessage), each
// answer classified once: a result, or a failure the poller knows how to wait out.
import { describeNetworkError, readBounded, secondsToMs } from '../../alerts/http-post.js';
import { maskUrl, type Redactor } from '../../alerts/index.js';
import type { FetchLike } from '../../alerts/index.js';

/** The parts of a Telegram `User` the commands use. */
export interface TelegramUser {
  readonly id: number;
  readonly is_bot?: boolean;
  readonly username?: string;
  readonly first_name?: string;
}

/** The parts of a Telegram `Message` the commands use. */
export interface TelegramMessage {
  readonly message_id: number;
  /** Unix seconds. */
  readonly date: number;
  readonly chat: { readonly id: number; readonly type: string; readonly title?: string };
  readonly from?: TelegramUser;
  readonly text?: string;
}

/** One `Update` (only messages are asked for). */
export interface TelegramUpdate {
  readonly update_id: number;
  readonly message?: TelegramMessage;
}

/**
 * How a call failed: `conflict` (409: another getUpdates poller, or a webhook is set),
 * `unauthorized` (401/404: the token is wrong or revoked), `rate_limited` (429, with Telegram's
 * retry_after), `retry` (network, timeout, 5xx), `refused` (another 4xx: this request is wrong).
 */
export type BotApiFailureKind = 'conflict' | 'unauthorized' | 'rate_limited' | 'retry' | 'refused';

/** The outcome of one call. Every `error` has passed through the redactor. */
export type BotApiResult<T> =
  | { readonly ok: true; readonly result: T }
  | {
      readonly ok: false;
      readonly kind: BotApiFailureKind;
      readonly error: string;
      readonly retryAfterMs?: number;
    };

/** A getUpdates answer of 100 messages of 4096 characters fits; anything past this is cut (and fails to parse). */
const MAX_BOT_ANSWER_BYTES = 4 * 1024 * 1024;

interface Answer {
  ok?: unknown;
  result?: unknown;
  description?: unknown;
  parameters?: { retry_after?: unknown };
}

/** A Bot API client over `fetch`: `POST {apiBase}/bot{token}/{method}` with a JSON body. */
export class BotApi {
  readonly #base: string;
  readonly #fetch: FetchLike;
  readonly #redactor: Redactor;

  constructor(o: { apiBase: string; token: string; fetch?: FetchLike; redactor: Redactor }) {
    this.#base = `${o.apiBase.replace(/\/+$/, '')}/bot${o.token}`;
    this.#fetch = o.fetch ?? ((u, i) => fetch(u, i));
    this.#redactor = o.redactor;
  }

  /** Calls `method`; never throws (an abort is a `retry` failure with error `aborted`). */
  async call<T>(
    method: string,
    params: Record<string, unknown>,
    o: { signal: AbortSignal; timeoutMs: number },
  ): Promise<BotApiResult<T>> {
    const url = `${this.#base}/${method}`;
    const where = `${maskUrl(url)} ${method}`;
    const fail = (kind: BotApiFailureKind, error: string, retryAfterMs?: number): BotApiResult<T> => ({
      ok: false,
      kind,
      error: this.#redactor.redact(error),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
    let status: number;
    let text: string;
    try {
      const res = await this.#fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
        signal: AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs)]),
        redirect: 'error',
      });
      status = res.status;
      text = await readBounded(res, MAX_BOT_ANSWER_BYTES);
    } catch (err) {
      return fail('retry', `${describeNetworkError(err, o.timeoutMs)} (${where})`);
    }
    let body: Answer | null = null;
    try {
      const v: unknown = JSON.parse(text);
      body = typeof v === 'object' && v !== null ? (v as Answer) : null;
    } catch {
      body = null;
    }
    const said = typeof body?.description === 'string' ? body.description : text.slice(0, 200);
    const error = `HTTP ${status} from ${where}: ${said.replace(/\s+/g, ' ').trim()}`;
    if (status >= 200 && status < 300 && body?.ok === true) return { ok: true, result: body.result as T };
    if (status === 409) return fail('conflict', error);
    if (status === 401 || status === 404) return fail('unauthorized', error);
    if (status === 429) return fail('rate_limited', error, secondsToMs(body?.parameters?.retry_after));
    if (status >= 500 || (status >= 200 && status < 300)) return fail('retry', error);
    return fail('refused', error);
  }
}
