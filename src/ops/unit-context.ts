import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { LoadedConfig } from '../config/index.js';
import { parseCronCalendar, type CronCalendar, type LaunchdSource } from './cron-calendar.js';
import { SCHEDULE_SOURCES } from './schedule-sources.js';
import { resolveProgram, splitCommandLine } from './command-line.js';

/** Everything the unit and plist generators need, resolved to absolute paths and validated. */
export interface UnitContext {
  /** Absolute path of the node binary that runs warden. */
  readonly nodePath: string;
  /** Absolute path of this package's `bin/warden.js`. */
  readonly wardenBin: string;
  /** Absolute config file, or null when none exists (the units then run on defaults from `workingDir`). */
  readonly configPath: string | null;
  /** Absolute data dir, passed as `WARDEN_DATA_DIR`. */
  readonly dataDir: string;
  /** Absolute working directory of every unit (the config's folder, else the current one). */
  readonly workingDir: string;
  /** The bot's argv with an absolute program, or null when no `--bot-cmd` was given. */
  readonly botArgv: readonly string[] | null;
  /** systemd `WatchdogSec=` for the bot, or null. */
  readonly watchdogSec: number | null;
  /** systemd user units (`systemctl --user`) instead of system units. */
  readonly userUnits: boolean;
  /** `User=` of system units (the installing user), or null for root and user units. */
  readonly runAs: string | null;
  /** Seconds systemd / launchd wait before restarting a process that exited. */
  readonly restartSec: number;
  /**
   * `daemon` (the default): one `warden serve` unit runs the watchdog, alerts, reminders, the
   * nightly evaluation and the HTTP API. `timers`: `warden watch` plus evaluation and reminder
   * timers, no HTTP API (`warden evaluate --alert` sends the strategy alerts itself).
   */
  readonly services: 'daemon' | 'timers';
  /** The bot as a periodic job wrapped in `warden guard` (`--bot-schedule`), or null for a long-running bot. */
  readonly botSchedule: CronCalendar | null;
  /** When the evaluation timer runs (`strategy.cron`, any cron a timer runs exactly); null with `services: 'daemon'`. */
  readonly evaluate: CronCalendar | null;
  /** When the halted reminder timer runs (`killSwitch.reminderCron`); null with `services: 'daemon'`. */
  readonly remind: CronCalendar | null;
  /** Problems in the config the operator should fix before enabling the units. */
  readonly warnings: readonly string[];
}

/** Options of `warden install` (and of `audit export`, which generates the same units). */
export interface UnitOptions {
  /** The bot's command line, split like a shell would (no expansion). */
  botCmd?: string;
  /** Seconds for systemd's watchdog on the bot (1-86400). */
  watchdogSec?: string | number;
  /** systemd user units. */
  user?: boolean;
  /** Timers (`warden watch`, `warden evaluate --alert`, `warden remind`) instead of the daemon's unit. */
  timers?: boolean;
  /** Run the bot on this cron (croner syntax) through `warden guard`, instead of keeping it running. */
  botSchedule?: string;
  /** Time zone of `botSchedule` (IANA name; default UTC). */
  botTimezone?: string;
}

/** The root of this package: the nearest folder above this module whose package.json is `warden`. */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name === 'warden') return dir;
      } catch {
        /* not ours; keep looking */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the warden package above ${from}`);
    dir = up;
  }
}

/** Parses a `--watchdog-sec` value; throws RangeError naming the option. */
export function parseWatchdogSec(raw: string | number | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 86_400) {
    throw new RangeError(`--watchdog-sec: expected whole seconds 1-86400, got "${String(raw)}"`);
  }
  return n;
}

/** A config cron for a `--timers` unit, parsed as `--bot-schedule` is; a refusal also names `warden serve`. */
function timerCalendar(expr: string, timezone: string, from: LaunchdSource): CronCalendar {
  try {
    return parseCronCalendar(expr, timezone, from.source);
  } catch (err) {
    if (err instanceof RangeError) throw new RangeError(`${err.message}; or ${from.otherwise}`);
    throw err;
  }
}

/** Builds the generator context from the loaded config and the command's options; bad input throws RangeError. */
export function unitContext(
  loaded: LoadedConfig,
  opts: UnitOptions,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): UnitContext {
  const watchdogSec = parseWatchdogSec(opts.watchdogSec) ?? null;
  const botArgv =
    opts.botCmd === undefined ? null : resolveProgram(splitCommandLine(opts.botCmd), cwd, env['PATH']);
  if (watchdogSec !== null && botArgv === null) {
    throw new RangeError('--watchdog-sec applies to the bot unit: give --bot-cmd too');
  }
  if (opts.botSchedule !== undefined && botArgv === null) {
    throw new RangeError('--bot-schedule schedules the bot: give --bot-cmd too');
  }
  if (opts.botSchedule !== undefined && watchdogSec !== null) {
    throw new RangeError(
      '--watchdog-sec watches a long-running bot; a scheduled one (--bot-schedule) exits after each run',
    );
  }
  if (opts.botTimezone !== undefined && opts.botSchedule === undefined) {
    throw new RangeError('--bot-timezone applies to --bot-schedule');
  }
  const botSchedule =
    opts.botSchedule === undefined
      ? null
      : parseCronCalendar(opts.botSchedule, opts.botTimezone ?? 'UTC', SCHEDULE_SOURCES.bot.source);
  const services = opts.timers === true ? 'timers' : 'daemon';
  const { config } = loaded;
  const user = userInfo().username;
  const warnings: string[] = [];
  if (config.heartbeats.length === 0) {
    warnings.push(
      services === 'timers'
        ? 'no heartbeats configured: `warden watch` exits at once without any; add one under "heartbeats" before enabling the watchdog'
        : 'no heartbeats configured: the daemon watches no heartbeat; add one under "heartbeats"',
    );
  }
  const periods = config.heartbeats.flatMap((h) => (h.periodSec === undefined ? [] : [h.periodSec]));
  if (watchdogSec !== null && periods.length > 0 && watchdogSec <= Math.min(...periods)) {
    warnings.push(
      `--watchdog-sec ${watchdogSec} is not longer than the heartbeat period (${Math.min(...periods)}s): systemd would kill the bot between two beats`,
    );
  }
  return Object.freeze({
    nodePath: process.execPath,
    wardenBin: join(packageRoot(), 'bin', 'warden.js'),
    configPath: loaded.path === null ? null : resolve(loaded.path),
    dataDir: resolve(loaded.dataDir),
    workingDir: loaded.path === null ? resolve(cwd) : dirname(resolve(loaded.path)),
    botArgv,
    watchdogSec,
    userUnits: opts.user === true,
    runAs: opts.user === true || process.getuid?.() === 0 ? null : user,
    restartSec: 5,
    services,
    botSchedule,
    evaluate:
      services === 'timers'
        ? timerCalendar(config.strategy.cron, config.strategy.timezone, SCHEDULE_SOURCES.evaluate)
        : null,
    remind:
      services === 'timers'
        ? timerCalendar(
            config.killSwitch.reminderCron,
            config.killSwitch.reminderTimezone,
            SCHEDULE_SOURCES.remind,
          )
        : null,
    warnings,
  });
}

/** The argv of one warden command as the units run it: absolute node, bin and config. */
export function wardenArgv(ctx: UnitContext, ...args: string[]): string[] {
  return [
    ctx.nodePath,
    ctx.wardenBin,
    ...(ctx.configPath === null ? [] : ['--config', ctx.configPath]),
    ...args,
  ];
}
