import { z } from 'zod';

const chatId = z.union([z.number().int(), z.string().regex(/^-?\d+$/, 'a numeric chat id')]);

/**
 * Telegram commands (docs/phone.md): the daemon long-polls the Bot API (`getUpdates`), so no
 * public URL is needed, and answers `/status`, `/halt`, `/resume`, `/strategies`, `/dlq`, `/help`
 * only in the chats listed here.
 */
export const telegramCommandsSchema = z
  .object({
    /** Chats whose commands are answered: a private chat's id is the user's id, a group's is negative. */
    allowChatIds: z.array(chatId).min(1),
    /** Within an allowed chat, only these Telegram user ids may command (absent: every member of an allowed chat). */
    allowUserIds: z.array(z.number().int()).min(1).optional(),
    /** Env var holding the bot token; default: the Telegram alert channel's (`WARDEN_TELEGRAM_TOKEN`). */
    botTokenEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    /** Base URL of the Bot API; default: the Telegram alert channel's (`https://api.telegram.org`). */
    apiBase: z.string().url().optional(),
    /** How long one `getUpdates` long poll waits for a message (s). */
    pollTimeoutSec: z.number().int().min(1).max(50).default(30),
    /** A chat not on the list gets at most one reply (naming its id) per this many seconds; 0 = never. */
    refusedReplyEverySec: z.number().int().nonnegative().default(3600),
    /** A `/resume` sent longer ago than this (the daemon was down) is refused: send it again. */
    resumeMaxAgeSec: z.number().int().positive().default(300),
    /** Alert when polling has failed for this long (the phone kill switch is unreachable). */
    outageAlertAfterSec: z.number().int().positive().default(300),
  })
  .strict();

/** The `commands` section: ways to command the daemon from elsewhere (absent parts are off). */
export const commandsSectionSchema = z
  .object({
    telegram: telegramCommandsSchema.optional(),
  })
  .strict();

export type TelegramCommandsConfig = z.infer<typeof telegramCommandsSchema>;
