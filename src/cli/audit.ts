import type { Command } from 'commander';
import { AuditExportError, auditExport } from '../ops/index.js';
import { openStore } from '../store/index.js';
import { CliError } from './cli-error.js';
import { configFor } from './context.js';

interface ExportOptions {
  force?: boolean;
  botCmd?: string;
  watchdogSec?: string;
  user?: boolean;
  timers?: boolean;
  botSchedule?: string;
  botTimezone?: string;
  json?: boolean;
}

/** `warden audit export DIR`: the files an auditor asks for, in one folder, with a manifest of hashes. */
export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('evidence of responsible operation');
  audit
    .command('export')
    .description(
      'gather heartbeat, circuit state, trip/resume history, alerts, decisions, units and config into DIR',
    )
    .argument('<dir>', 'target folder (must be empty unless --force)')
    .option('--force', 'write into a folder that is not empty (files of the same name are replaced)')
    .option('--bot-cmd <cmd>', 'bot command for the generated units (as given to warden install)')
    .option('--watchdog-sec <n>', 'WatchdogSec= of the generated bot unit (as given to warden install)')
    .option('--user', 'generate systemd user units (as given to warden install)')
    .option('--timers', 'timer units instead of the daemon unit (as given to warden install)')
    .option('--bot-schedule <cron>', 'the bot as a periodic job (as given to warden install)')
    .option('--bot-timezone <tz>', 'time zone of --bot-schedule (as given to warden install)')
    .option('--json', 'print the manifest as JSON')
    .action(async (dir: string, opts: ExportOptions, cmd: Command) => {
      const loaded = configFor(cmd);
      const store = await openStore(loaded.config, loaded.dataDir);
      try {
        const m = await auditExport({
          loaded,
          store,
          dir,
          force: opts.force === true,
          units: {
            botCmd: opts.botCmd,
            watchdogSec: opts.watchdogSec,
            user: opts.user,
            timers: opts.timers,
            botSchedule: opts.botSchedule,
            botTimezone: opts.botTimezone,
          },
        });
        if (opts.json === true) {
          process.stdout.write(`${JSON.stringify(m)}\n`);
          return;
        }
        const d = m.decisionLog;
        const lines = [
          `exported ${m.files.length} files to ${dir} (MANIFEST.json holds their sha256)`,
          ...(d === null
            ? []
            : [
                d.ok
                  ? `  decision log: ${d.lines} lines verified${d.anchoredHead ? ` (contains the store's head seq ${d.anchoredHead.seq})` : ''}`
                  : `  decision log: FAILED verification at ${d.problem?.file}:${d.problem?.line}: ${d.problem?.message} [${d.problem?.code}]`,
              ]),
          ...m.missing.map((x) => `  missing: ${x.path} (${x.why})`),
          ...m.notes.map((n) => `  note: ${n}`),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } catch (err) {
        if (err instanceof AuditExportError)
          throw new CliError(`audit export: ${err.message}`, 1, { cause: err });
        throw err;
      } finally {
        await store.close();
      }
    });
}
