import type { Command } from 'commander';
import { resolve } from 'node:path';
import { launchdPlists, systemdUnits, unitContext, writeUnits } from '../ops/index.js';
import { CliError } from './cli-error.js';
import { configFor } from './context.js';

interface InstallOptions {
  out?: string;
  botCmd?: string;
  user?: boolean;
  watchdogSec?: string;
  timers?: boolean;
  botSchedule?: string;
  botTimezone?: string;
  json?: boolean;
}

/** `warden install systemd|launchd`: writes unit files / plists for the bot, watchdog, evaluator and reminder. */
export function registerInstall(program: Command): void {
  program
    .command('install')
    .description(
      'write systemd units or launchd plists: the bot and the daemon (warden serve), or with --timers the watchdog, evaluation and reminder timers',
    )
    .argument('<kind>', 'systemd or launchd')
    .option('--out <dir>', 'folder to write into (default ./systemd or ./launchd)')
    .option('--bot-cmd <cmd>', 'the bot command line (program resolved on PATH; no shell expansion)')
    .option('--user', 'systemd user units (systemctl --user) instead of system units')
    .option('--watchdog-sec <n>', 'systemd WatchdogSec= for the bot (its heartbeat notifies systemd)')
    .option(
      '--bot-schedule <cron>',
      "run the bot as a periodic job on this cron through `warden guard` (e.g. '*/5 9-16 * * 1-5')",
    )
    .option('--bot-timezone <tz>', 'time zone of --bot-schedule (IANA name, default UTC)')
    .option(
      '--timers',
      'instead of the daemon: warden watch, and timers for warden evaluate --alert and warden remind (no HTTP API)',
    )
    .option('--json', 'print the result as JSON')
    .action((kind: string, opts: InstallOptions, cmd: Command) => {
      if (kind !== 'systemd' && kind !== 'launchd') {
        throw new CliError(`install: unknown kind "${kind}"; expected systemd or launchd`);
      }
      if (kind === 'launchd' && (opts.user === true || opts.watchdogSec !== undefined)) {
        throw new CliError('install launchd: --user and --watchdog-sec are systemd options');
      }
      const loaded = configFor(cmd);
      let units;
      try {
        const ctx = unitContext(loaded, opts);
        units = kind === 'systemd' ? systemdUnits(ctx) : launchdPlists(ctx);
      } catch (err) {
        if (err instanceof RangeError) throw new CliError(`install: ${err.message}`, 1, { cause: err });
        throw err;
      }
      const dir = resolve(opts.out ?? kind);
      let written: string[];
      try {
        written = writeUnits(units, dir);
      } catch (err) {
        throw new CliError(`install: cannot write to ${dir}: ${(err as Error).message}`, 1, { cause: err });
      }
      for (const w of units.warnings) process.stderr.write(`warden: warning: ${w}\n`);
      if (loaded.path === null) {
        process.stderr.write(
          'warden: warning: no config file; the units run on defaults (run `warden init` first)\n',
        );
      }
      const enable = units.enableCommands(dir);
      if (opts.json === true) {
        process.stdout.write(
          `${JSON.stringify({ kind, dir, files: written, warnings: units.warnings, enable })}\n`,
        );
        return;
      }
      process.stdout.write(
        [
          `wrote ${written.length} ${kind} files to ${dir}:`,
          ...written.map((p) => `  ${p}`),
          'to install and enable them:',
          ...enable.map((c) => `  ${c}`),
          '',
        ].join('\n'),
      );
    });
}
