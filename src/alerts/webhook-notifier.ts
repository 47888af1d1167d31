import type { AlertMessage } from './types.js';
import { UrlNotifier } from './url-notifier.js';

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
export class WebhookNotifier extends UrlNotifier {
  readonly type = 'webhook' as const;

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

  protected body(m: AlertMessage): unknown {
    return WebhookNotifier.payload(m);
  }
}
