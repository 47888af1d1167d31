import { footer, headline, truncate } from './format-alert.js';
import type { AlertMessage } from './types.js';
import { UrlNotifier } from './url-notifier.js';

/** Slack asks for these three characters to be escaped in message text. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Posts `{text}` to a Slack incoming webhook (`https://hooks.slack.com/services/...`). */
export class SlackNotifier extends UrlNotifier {
  readonly type = 'slack' as const;

  /** The body sent for `m`: the headline in bold, the body, the incident key. */
  static payload(m: AlertMessage): { text: string } {
    const body = m.body.trim();
    const text = `*${escapeSlack(headline(m))}*${body === '' ? '' : `\n${escapeSlack(body)}`}\n_${escapeSlack(footer(m))}_`;
    return { text: truncate(text, 35_000) };
  }

  protected body(m: AlertMessage): unknown {
    return SlackNotifier.payload(m);
  }
}
