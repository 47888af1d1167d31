import { plainText, truncate } from './format-alert.js';
import { postJson, secondsToMs } from './http-post.js';
import type { HttpContext } from './http-context.js';
import { Redactor } from './redact.js';
import type { AlertMessage, Notifier, SendOutcome } from './types.js';

/** The body of a Bot API `sendMessage` call. */
export interface TelegramPayload {
  readonly chat_id: string | number;
  readonly text: string;
  readonly disable_web_page_preview: true;
}

/** Telegram's limit on a message's text. */
const TELEGRAM_MAX = 4096;

interface TelegramAnswer {
  ok?: unknown;
  description?: unknown;
  parameters?: { retry_after?: unknown };
}
const asAnswer = (b: unknown): TelegramAnswer | null => (typeof b === 'object' && b !== null ? b : null);

/** Sends through the Telegram Bot API: `POST {apiBase}/bot{token}/sendMessage`. */
export class TelegramNotifier implements Notifier {
  readonly type = 'telegram' as const;
  readonly name: string;
  readonly problem: string | null;
  readonly #url: string | null;
  readonly #chatId: string | number;
  readonly #http: HttpContext;
  readonly #redactor: Redactor;

  /** `token` null means its env var is not set; `problem` says so. */
  constructor(options: {
    name: string;
    token: string | null;
    chatId: string | number;
    apiBase: string;
    problem?: string | null;
    http: HttpContext;
  }) {
    this.name = options.name;
    this.#chatId = options.chatId;
    this.#http = options.http;
    const base = options.apiBase.replace(/\/+$/, '');
    this.#url = options.token === null ? null : `${base}/bot${options.token}/sendMessage`;
    this.problem = options.token === null ? (options.problem ?? 'no bot token') : null;
    this.#redactor = new Redactor([options.token, this.#url]);
  }

  /** The body sent for `m` (plain text: no parse mode, so nothing in an alert can break the markup). */
  static payload(m: AlertMessage, chatId: string | number): TelegramPayload {
    return { chat_id: chatId, text: truncate(plainText(m), TELEGRAM_MAX), disable_web_page_preview: true };
  }

  redact(text: string): string {
    return this.#redactor.redact(text);
  }

  send(m: AlertMessage, signal: AbortSignal): Promise<SendOutcome> {
    if (this.#url === null) return Promise.resolve({ kind: 'retry', error: `${this.name}: ${this.problem}` });
    return postJson({
      ...this.#http,
      url: this.#url,
      payload: TelegramNotifier.payload(m, this.#chatId),
      signal,
      redactor: this.#redactor,
      retryAfterFromBody: (b) => secondsToMs(asAnswer(b)?.parameters?.retry_after),
      failureIn2xx: (b) => {
        const a = asAnswer(b);
        if (a?.ok !== false) return null;
        return typeof a.description === 'string' ? a.description : 'ok: false';
      },
      describe: (b) => {
        const d = asAnswer(b)?.description;
        return typeof d === 'string' ? d : undefined;
      },
    });
  }
}
