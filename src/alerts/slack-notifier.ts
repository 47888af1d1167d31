import { footer, headline, truncate } from './format-alert.js';
import { postJson } from './http-post.js';
import type { HttpContext } from './http-context.js';
import { Redactor } from './redact.js';
import type { AlertMessage, Notifier, SendOutcome } from './types.js';

/** Slack asks for these three characters to be escaped in message text. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Posts `{text}` to a Slack incoming webhook (`https://hooks.slack.com/services/...`). */
export class SlackNotifier implements Notifier {
  readonly type = 'slack' as const;
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

  /** The body sent for `m`: the headline in bold, the body, the incident key. */
  static payload(m: AlertMessage): { text: string } {
    const body = m.body.trim();
    const text = `*${escapeSlack(headline(m))}*${body === '' ? '' : `\n${escapeSlack(body)}`}\n_${escapeSlack(footer(m))}_`;
    return { text: truncate(text, 35_000) };
  }

  send(m: AlertMessage, signal: AbortSignal): Promise<SendOutcome> {
    if (this.#url === null) return Promise.resolve({ kind: 'retry', error: `${this.name}: ${this.problem}` });
    return postJson({
      ...this.#http,
      url: this.#url,
      payload: SlackNotifier.payload(m),
      signal,
      redactor: this.#redactor,
    });
  }
}
