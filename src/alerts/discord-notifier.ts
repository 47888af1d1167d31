import { plainText, truncate } from './format-alert.js';
import { postJson, secondsToMs } from './http-post.js';
import type { HttpContext } from './http-context.js';
import { Redactor } from './redact.js';
import type { AlertMessage, Notifier, SendOutcome } from './types.js';

/** The body a Discord webhook receives. Mentions are disabled: an alert never pings @everyone. */
export interface DiscordPayload {
  readonly content: string;
  readonly allowed_mentions: { readonly parse: readonly string[] };
}

/** Discord's limit on `content`. */
const DISCORD_MAX = 2000;

/** Posts `{content}` to a Discord webhook; a 429 carries `retry_after` (seconds) in its body. */
export class DiscordNotifier implements Notifier {
  readonly type = 'discord' as const;
  readonly name: string;
  readonly problem: string | null;
  readonly #url: string | null;
  readonly #http: HttpContext;
  readonly #redactor: Redactor;

  /** `url` null means it could not be resolved; `problem` says why (without the secret). */
  constructor(options: { name: string; url: string | null; problem?: string | null; http: HttpContext }) {
    this.name = options.name;
    this.#url = options.url;
    this.problem = options.url === null ? (options.problem ?? 'no URL') : null;
    this.#http = options.http;
    this.#redactor = new Redactor([options.url]);
  }

  /** The body sent for `m`. */
  static payload(m: AlertMessage): DiscordPayload {
    return { content: truncate(plainText(m), DISCORD_MAX), allowed_mentions: { parse: [] } };
  }

  send(m: AlertMessage, signal: AbortSignal): Promise<SendOutcome> {
    if (this.#url === null) return Promise.resolve({ kind: 'retry', error: `${this.name}: ${this.problem}` });
    return postJson({
      ...this.#http,
      url: this.#url,
      payload: DiscordNotifier.payload(m),
      signal,
      redactor: this.#redactor,
      retryAfterFromBody: (b) => secondsToMs((b as { retry_after?: unknown } | null)?.retry_after),
      describe: (b) => {
        const msg = (b as { message?: unknown } | null)?.message;
        return typeof msg === 'string' ? msg : undefined;
      },
    });
  }
}
