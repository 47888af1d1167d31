/** The commands the daemon answers; anything else is `unknown`. */
export const TELEGRAM_COMMANDS = ['status', 'halt', 'resume', 'strategies', 'dlq', 'help', 'start'] as const;

/** A command name, or `unknown` for any other `/word` (the label set of the metrics stays bounded). */
export type TelegramCommandName = (typeof TELEGRAM_COMMANDS)[number] | 'unknown';

/** A message read as a command. */
export interface ParsedCommand {
  readonly name: TelegramCommandName;
  /** What was typed after the slash (for the "unknown command" answer). */
  readonly typed: string;
  /** The text after the command, trimmed ('' when none). */
  readonly args: string;
}

const COMMAND = /^\/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+([\s\S]*))?$/;

/**
 * Reads `/name[@bot] args`. Null when the text is no command, or is a command addressed to
 * another bot (`/status@otherbot` in a group). `botUsername` is this bot's (from getMe).
 */
export function parseCommand(text: string | undefined, botUsername: string): ParsedCommand | null {
  if (text === undefined) return null;
  const m = COMMAND.exec(text.trim());
  if (m === null) return null;
  const [, typed = '', target, rest] = m;
  if (target !== undefined && target.toLowerCase() !== botUsername.toLowerCase()) return null;
  const lower = typed.toLowerCase();
  const name = (TELEGRAM_COMMANDS as readonly string[]).includes(lower)
    ? (lower as TelegramCommandName)
    : 'unknown';
  return { name, typed, args: (rest ?? '').trim() };
}

/** `/resume #12 reason` or `/resume reason`: the halt id named, if any, and the reason. */
export function parseResumeArgs(args: string): { haltId: number | undefined; reason: string } {
  const m = /^#(\d{1,15})(?:\s+([\s\S]*))?$/.exec(args);
  if (m === null) return { haltId: undefined, reason: args };
  return { haltId: Number(m[1]), reason: (m[2] ?? '').trim() };
}
