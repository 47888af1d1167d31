import type { LaunchdSource } from './cron-calendar.js';

// Internal to src/ops (not re-exported by index.ts): where each generated schedule comes from,
// named once for the parse refusals of unit-context.ts and the launchd refusals of launchd.ts.

/** What to do instead when a `--timers` schedule cannot be run exactly by a timer or a plist. */
export const SERVE_INSTEAD = 'leave out --timers: `warden serve`, the default, runs any cron in any zone';

/** The bot's schedule (`--bot-schedule`), and each `--timers` schedule of the config. */
export const SCHEDULE_SOURCES = {
  bot: { source: '--bot-schedule', zoneSetting: '--bot-timezone', otherwise: 'use systemd' },
  evaluate: { source: 'strategy.cron', zoneSetting: 'strategy.timezone', otherwise: SERVE_INSTEAD },
  remind: {
    source: 'killSwitch.reminderCron',
    zoneSetting: 'killSwitch.reminderTimezone',
    otherwise: SERVE_INSTEAD,
  },
} as const satisfies Record<string, LaunchdSource>;
