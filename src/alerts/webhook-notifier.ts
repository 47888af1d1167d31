import { postJson } from './http-post.js';
import type { HttpContext } from './http-context.js';
import { Redactor } from './redact.js';
import type { AlertMessage, Notifier, SendOutcome } from './types.js';

/** The JSON body a generic webhook receives. */
export interface WebhookPayload {
  readonly title: string;
  readonly body: string;
  readonly severity: AlertMessage['severity'];
  readonly key: string;
  /** When the alert was recorded, ISO 8601 (UTC). */
  readonly at: string;
}

/** POSTs `{title, body, severity, key, at}` as JSON to any URL. */
export class WebhookNotifier implements Notifier {
  readonly type = 'webhook' as const;
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
  static payload(m: AlertMessage): WebhookPayload {
    return {
      title: m.title,
      body: m.body,
      severity: m.severity,
      key: m.key,
      at: new Date(m.at).toISOString(),
    };
  }

  send(m: AlertMessage, signal: AbortSignal): Promise<SendOutcome> {
    if (this.#url === null) return Promise.resolve({ kind: 'retry', error: `${this.name}: ${this.problem}` });
    return postJson({
      ...this.#http,
      url: this.#url,
      payload: WebhookNotifier.payload(m),
      signal,
      redactor: this.#redactor,
    });
  }
}
