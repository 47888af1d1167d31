import { Counter, type Registry } from 'prom-client';
import { TELEGRAM_COMMANDS } from './command-parser.js';
import type { TelegramCounters } from './telegram-poller.js';

const OUTCOMES = ['done', 'refused', 'error', 'not_allowed'] as const;

/**
 * `warden_telegram_commands_total{command,outcome}` (commands from the fixed list or `unknown`;
 * `not_allowed` for a chat off the allow-list) and `warden_telegram_poll_failures_total{kind}`.
 */
export function telegramCounters(registry: Registry): TelegramCounters {
  const commands = new Counter({
    name: 'warden_telegram_commands_total',
    help: 'Telegram commands received, by command and outcome (not_allowed: a chat off the allow-list)',
    labelNames: ['command', 'outcome'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'warden_telegram_poll_failures_total',
    help: 'Failed Bot API polls, by kind (retry, rate_limited, conflict, unauthorized, refused)',
    labelNames: ['kind'],
    registers: [registry],
  });
  for (const c of [...TELEGRAM_COMMANDS, 'unknown'])
    for (const o of OUTCOMES) commands.inc({ command: c, outcome: o }, 0);
  return {
    command: (command, outcome) => commands.inc({ command, outcome }),
    pollFailure: (kind) => failures.inc({ kind }),
  };
}
