import type { AlertChannelConfig } from '../config/index.js';
import { Redactor } from './redact.js';
import type { Env } from './types.js';

/**
 * Every secret the configured channels use, as the notifiers would: Telegram bot tokens (and
 * the Bot API URL built from each), webhook URLs from their env var or the config.
 */
export function channelSecrets(channels: readonly AlertChannelConfig[], env: Env): string[] {
  const out: string[] = [];
  const fromEnv = (name: string | undefined): string | undefined => {
    const v = name === undefined ? undefined : env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  for (const c of channels) {
    switch (c.type) {
      case 'telegram': {
        const token = fromEnv(c.botTokenEnv);
        if (token !== undefined) out.push(token, `${c.apiBase.replace(/\/+$/, '')}/bot${token}/sendMessage`);
        break;
      }
      case 'slack':
      case 'discord':
      case 'webhook': {
        const url = fromEnv(c.urlEnv);
        if (url !== undefined) out.push(url);
        if (c.url !== undefined) out.push(c.url);
        break;
      }
      case 'stderr':
        break;
      default:
        c satisfies never;
    }
  }
  return out;
}

/** A redactor for every secret of the configured channels. */
export const channelRedactor = (channels: readonly AlertChannelConfig[], env: Env): Redactor =>
  new Redactor(channelSecrets(channels, env));

/** A deep copy of `value` with every string in it passed through `redactor`. */
export function redactStrings<T>(value: T, redactor: Redactor): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactor.redact(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]));
  };
  return walk(value) as T;
}
