import type { WardenConfig } from '../../config/index.js';
import type { Env } from '../../alerts/index.js';

/** Where the commands reach Telegram: the token (null when its env var is unset) and the Bot API base. */
export interface TelegramCommandsEndpoint {
  readonly tokenEnv: string;
  readonly token: string | null;
  readonly apiBase: string;
}

/**
 * The bot the commands poll as: `commands.telegram.botTokenEnv` / `apiBase`, else those of the
 * first Telegram alert channel (one bot for alerts and commands), else the defaults. Null when
 * the config has no `commands.telegram`.
 */
export function telegramCommandsEndpoint(config: WardenConfig, env: Env): TelegramCommandsEndpoint | null {
  const c = config.commands.telegram;
  if (c === undefined) return null;
  const channel = config.alerts.channels.find((ch) => ch.type === 'telegram');
  const tokenEnv = c.botTokenEnv ?? channel?.botTokenEnv ?? 'WARDEN_TELEGRAM_TOKEN';
  const apiBase = (c.apiBase ?? channel?.apiBase ?? 'https://api.telegram.org').replace(/\/+$/, '');
  const raw = env[tokenEnv]?.trim();
  return { tokenEnv, token: raw === undefined || raw === '' ? null : raw, apiBase };
}

/** The secrets the commands use (the token and the Bot API URL built from it), for the redactors. */
export function telegramCommandsSecrets(config: WardenConfig, env: Env): string[] {
  const e = telegramCommandsEndpoint(config, env);
  return e?.token ? [e.token, `${e.apiBase}/bot${e.token}`] : [];
}
