import type { AlertChannelConfig } from '../config/index.js';
import { DiscordNotifier } from './discord-notifier.js';
import type { HttpContext } from './http-context.js';
import { SlackNotifier } from './slack-notifier.js';
import { StderrNotifier } from './stderr-notifier.js';
import { TelegramNotifier } from './telegram-notifier.js';
import type { Env, Notifier } from './types.js';
import { WebhookNotifier } from './webhook-notifier.js';

/** What building notifiers from config needs. */
export interface NotifierContext {
  readonly env: Env;
  readonly http: HttpContext;
  /** Where the stderr channel writes (process.stderr by default). */
  readonly stderr?: (line: string) => void;
}

/**
 * The name of each channel: its `name`, else its type, else `type:N` for the Nth of a type
 * (`slack`, `slack:2`...). Names are what the outbox records, so they must be unique.
 */
export function channelNames(channels: readonly AlertChannelConfig[]): string[] {
  const seen = new Map<string, number>();
  const names = channels.map((c) => {
    if (c.name !== undefined) return c.name;
    const n = (seen.get(c.type) ?? 0) + 1;
    seen.set(c.type, n);
    return n === 1 ? c.type : `${c.type}:${n}`;
  });
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined)
    throw new RangeError(`alerts.channels: two channels are named "${dup}"; give each a unique name`);
  const empty = names.findIndex((n) => n.trim() === '');
  if (empty >= 0) throw new RangeError(`alerts.channels[${empty}].name must not be empty, got ""`);
  return names;
}

/** Resolves a webhook URL from its env var (preferred) or the config; never returns the secret in `problem`. */
function resolveUrl(
  c: { urlEnv?: string | undefined; url?: string | undefined },
  env: Env,
): { url: string | null; problem: string | null } {
  const fromEnv = c.urlEnv === undefined ? undefined : env[c.urlEnv];
  const raw = fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : c.url;
  if (raw === undefined)
    return { url: null, problem: `environment variable ${c.urlEnv ?? '(urlEnv)'} is not set` };
  let ok = false;
  try {
    const u = new URL(raw);
    ok = u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    ok = false;
  }
  if (!ok) {
    const where = raw === c.url ? 'url' : `environment variable ${c.urlEnv ?? ''}`;
    return { url: null, problem: `${where} does not hold an http(s) URL` };
  }
  return { url: raw, problem: null };
}

/** Builds one notifier per configured channel, in config order. */
export function createNotifiers(channels: readonly AlertChannelConfig[], ctx: NotifierContext): Notifier[] {
  const names = channelNames(channels);
  return channels.map((c, i): Notifier => {
    const name = names[i] as string;
    switch (c.type) {
      case 'stderr':
        return new StderrNotifier(ctx.stderr === undefined ? { name } : { name, write: ctx.stderr });
      case 'webhook':
        return new WebhookNotifier({ name, ...resolveUrl(c, ctx.env), http: ctx.http });
      case 'slack':
        return new SlackNotifier({ name, ...resolveUrl(c, ctx.env), http: ctx.http });
      case 'discord':
        return new DiscordNotifier({ name, ...resolveUrl(c, ctx.env), http: ctx.http });
      case 'telegram': {
        const token = ctx.env[c.botTokenEnv];
        const set = token !== undefined && token.trim() !== '';
        return new TelegramNotifier({
          name,
          token: set ? token.trim() : null,
          problem: set ? null : `environment variable ${c.botTokenEnv} is not set`,
          chatId: c.chatId,
          apiBase: c.apiBase,
          http: ctx.http,
        });
      }
      default:
        return c satisfies never;
    }
  });
}
