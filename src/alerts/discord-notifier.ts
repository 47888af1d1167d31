import { plainText, truncate } from './format-alert.js';
import { secondsToMs } from './http-post.js';
import type { AlertMessage } from './types.js';
import { UrlNotifier } from './url-notifier.js';

/** The body a Discord webhook receives. Mentions are disabled: an alert never pings @everyone. */
export interface DiscordPayload {
  readonly content: string;
  readonly allowed_mentions: { readonly parse: readonly string[] };
}

/** Discord's limit on `content`. */
const DISCORD_MAX = 2000;

/** Posts `{content}` to a Discord webhook; a 429 carries `retry_after` (seconds) in its body. */
export class DiscordNotifier extends UrlNotifier {
  readonly type = 'discord' as const;

  /** The body sent for `m`. */
  static payload(m: AlertMessage): DiscordPayload {
    return { content: truncate(plainText(m), DISCORD_MAX), allowed_mentions: { parse: [] } };
  }

  protected body(m: AlertMessage): unknown {
    return DiscordNotifier.payload(m);
  }

  protected override answerRules() {
    return {
      retryAfterFromBody: (b: unknown) => secondsToMs((b as { retry_after?: unknown } | null)?.retry_after),
      describe: (b: unknown) => {
        const msg = (b as { message?: unknown } | null)?.message;
        return typeof msg === 'string' ? msg : undefined;
      },
    };
  }
}
