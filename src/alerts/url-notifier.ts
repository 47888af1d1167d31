import { postJson, type PostJsonOptions } from './http-post.js';
import type { HttpContext } from './http-context.js';
import { Redactor } from './redact.js';
import type { AlertMessage, ChannelType, Notifier, SendOutcome } from './types.js';

/** Options of a notifier that POSTs JSON to one secret URL. */
export interface UrlNotifierOptions {
  readonly name: string;
  /** null when it could not be resolved; `problem` says why (without the secret). */
  readonly url: string | null;
  readonly problem?: string | null;
  readonly http: HttpContext;
}

/**
 * A channel that POSTs one JSON body per alert to a URL that is itself a secret (Slack,
 * Discord, a generic webhook). The URL is redacted from every error.
 */
export abstract class UrlNotifier implements Notifier {
  abstract readonly type: ChannelType;
  readonly name: string;
  readonly problem: string | null;
  readonly #url: string | null;
  readonly #http: HttpContext;
  readonly #redactor: Redactor;

  constructor(options: UrlNotifierOptions) {
    this.name = options.name;
    this.#url = options.url;
    this.problem = options.url === null ? (options.problem ?? 'no URL') : null;
    this.#http = options.http;
    this.#redactor = new Redactor([options.url]);
  }

  /** The JSON body sent for `m`. */
  protected abstract body(m: AlertMessage): unknown;

  /** How this channel reads its answers (Retry-After in the body, error text). */
  protected answerRules(): Pick<PostJsonOptions, 'retryAfterFromBody' | 'describe'> {
    return {};
  }

  redact(text: string): string {
    return this.#redactor.redact(text);
  }

  send(m: AlertMessage, signal: AbortSignal): Promise<SendOutcome> {
    if (this.#url === null) return Promise.resolve({ kind: 'retry', error: `${this.name}: ${this.problem}` });
    return postJson({
      ...this.#http,
      ...this.answerRules(),
      url: this.#url,
      payload: this.body(m),
      signal,
      redactor: this.#redactor,
    });
  }
}
