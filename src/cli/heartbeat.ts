import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { out } from './context.js';
import { withRuntime, type Runtime } from './runtime.js';
// Deep imports: `warden heartbeat` is on a bot's hot path (see commands.ts).
import { HeartbeatWriter } from '../heartbeat/heartbeat.js';
import { Watchdog, type WatchReport } from '../heartbeat/watchdog.js';
import {
  closeReferenceClocks,
  heartbeatFilePolicyFromConfig,
  referenceClocksFromConfig,
} from '../heartbeat/heartbeat-config.js';
import { remindIfHalted, type KillSwitch } from '../killswitch/index.js';
import type { WardenConfig } from '../config/index.js';
import type { ReferenceClock } from '../heartbeat/reference-clock.js';
import { channelRedactor } from '../alerts/index.js';

function parseExtra(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new CliError(`--extra: not valid JSON (${(err as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new CliError('--extra: expected a JSON object');
  return v as Record<string, unknown>;
}

function reportLines(r: WatchReport): string[] {
  const lines = r.results.map(
    (x) =>
      `${x.ok ? 'ok  ' : 'FAIL'} ${x.name}${x.detail ? `: ${x.detail}` : ''}${x.opened ? ' [alerted]' : ''}${x.recovered ? ' [recovered]' : ''}`,
  );
  for (const c of r.clocks)
    lines.push(
      c.state === 'unreachable'
        ? `FAIL clock reference ${c.name} unreachable: ${c.error}`
        : `${c.state === 'ok' ? 'ok  ' : 'FAIL'} clock vs ${c.name}: ${c.driftMs} ms (round trip ${c.rttMs} ms)`,
    );
  if (r.clocks.length === 0) lines.push('clock drift not checked (no reference: set watchdog.ntpServer)');
  if (r.tripped) lines.push('kill switch tripped');
  if (r.unwatched.length > 0) lines.push(`not watched (not in config heartbeats): ${r.unwatched.join(', ')}`);
  return lines;
}

function printReport(r: WatchReport, json: boolean): void {
  if (json) return out(r, true);
  out(`${new Date(r.at).toISOString()} ${reportLines(r).join('\n  ')}`, false);
}

async function watch(
  rt: Runtime,
  exps: WardenConfig['heartbeats'],
  ks: KillSwitch,
  references: ReferenceClock[],
  opts: { once?: boolean; intervalSec?: string; json?: boolean },
): Promise<void> {
  let dog: Watchdog;
  try {
    dog = new Watchdog({
      store: rt.store,
      expectations: exps,
      killSwitch: ks,
      alerts: rt.alerts,
      maxClockDriftMs: rt.config.watchdog.maxClockDriftMs,
      references,
      referenceTimeoutMs: rt.config.watchdog.referenceTimeoutMs,
      clockSkewToleranceMs: rt.config.watchdog.clockSkewToleranceMs,
      dataDir: rt.dataDir,
    });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  if (opts.once) {
    const r = await dog.check();
    await rt.alerts.flush();
    printReport(r, opts.json === true);
    const clocksOk = r.clocks.every((c) => c.state === 'ok');
    process.exitCode = r.results.every((x) => x.ok) && clocksOk ? 0 : 1;
    return;
  }
  const interval = opts.intervalSec !== undefined ? Number(opts.intervalSec) : rt.config.watchdog.intervalSec;
  if (!(interval > 0))
    throw new CliError(`--interval-sec: expected a positive number of seconds, got ${opts.intervalSec}`);
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // The loop logs JSON lines (pretty on a terminal), secrets masked; a failed check goes to stderr with its cause.
  const { createLogger } = await import('../daemon/logger.js');
  const logger = createLogger({
    redactor: channelRedactor(rt.config.alerts.channels, process.env),
    name: 'warden-watch',
  });
  await dog.run(interval * 1000, ac.signal, (r) => {
    if (r instanceof Error) logger.error({ err: r }, `check failed: ${r.message}`);
    else logger.info(opts.json === true ? { report: r } : {}, reportLines(r).join('; '));
    rt.alerts.flush().catch(() => undefined);
  });
}

/** `warden heartbeat`, `watch`, `remind`. */
export function registerHeartbeat(program: Command): void {
  registerBeat(program);
  registerWatch(program);
  registerRemind(program);
}

/** `warden heartbeat NAME`: report that NAME is alive (or a job started / failed). */
function registerBeat(program: Command): void {
  program
    .command('heartbeat')
    .description('report that NAME is alive (or a job started / failed)')
    .argument('<name>', 'heartbeat name (as configured under heartbeats)')
    .option('--status <status>', 'ok, or anything else to report a degraded state', 'ok')
    .option('--extra <json>', 'a JSON object kept with the beat')
    .option('--start', 'report that a job started (a job that never finishes is noticed)')
    .option('--fail', 'report that a job failed')
    .option('--exit-code <n>', 'exit code of the failed job')
    .action(
      async (
        name: string,
        opts: { status: string; extra?: string; start?: boolean; fail?: boolean; exitCode?: string },
        cmd: Command,
      ) => {
        const extra = parseExtra(opts.extra);
        if (opts.start && opts.fail) throw new CliError('--start and --fail are exclusive');
        let exitCode: number | null = null;
        if (opts.exitCode !== undefined) {
          exitCode = Number(opts.exitCode);
          if (!Number.isInteger(exitCode))
            throw new CliError(`--exit-code: expected an integer, got ${opts.exitCode}`);
        }
        await withRuntime(cmd, async (rt) => {
          const w = new HeartbeatWriter({
            store: rt.store,
            dataDir: rt.dataDir,
            ...heartbeatFilePolicyFromConfig(rt.config, rt.dataDir),
          });
          try {
            if (opts.start) await w.start(name, extra);
            else if (opts.fail) await w.fail(name, exitCode, extra);
            else await w.beat(name, opts.status, extra);
          } catch (err) {
            if (err instanceof RangeError) throw new CliError(err.message);
            throw err;
          }
        });
      },
    );
}

/** `warden watch`: the independent watchdog. */
function registerWatch(program: Command): void {
  program
    .command('watch')
    .description(
      'the independent watchdog: alert and trip when a heartbeat is missing, late, failed or not ok',
    )
    .option(
      '--once',
      'one check, then exit (for cron / systemd timers); exit 1 when a heartbeat is unhealthy',
    )
    .option('--only <name>', 'check only this heartbeat')
    .option('--interval-sec <sec>', 'seconds between checks (default: watchdog.intervalSec)')
    // The old spelling, still accepted: one spelling per concept, with the unit in the name.
    .addOption(program.createOption('--interval <sec>').hideHelp())
    .option('--json', 'one JSON report per check')
    .action(
      async (
        opts: { once?: boolean; only?: string; intervalSec?: string; interval?: string; json?: boolean },
        cmd: Command,
      ) => {
        if (opts.interval !== undefined) {
          process.stderr.write('warden: warning: --interval is deprecated: use --interval-sec\n');
          if (opts.intervalSec === undefined) opts.intervalSec = opts.interval;
        }
        await withRuntime(cmd, async (rt) => {
          let exps = rt.config.heartbeats;
          if (exps.length === 0) {
            throw new CliError(
              `no heartbeats configured: add one under "heartbeats" in ${rt.path ?? 'warden.config.json'} (e.g. {"name":"bot","periodSec":60,"graceSec":30})`,
            );
          }
          if (opts.only !== undefined) {
            exps = exps.filter((e) => e.name === opts.only);
            if (exps.length === 0) {
              throw new CliError(
                `unknown heartbeat ${JSON.stringify(opts.only)}: configured are ${rt.config.heartbeats.map((e) => e.name).join(', ')}`,
              );
            }
          }
          const ks = await rt.killSwitch('watchdog');
          const references = referenceClocksFromConfig(rt.config);
          try {
            await watch(rt, exps, ks, references, opts);
          } finally {
            await closeReferenceClocks(references);
          }
        });
      },
    );
}

/** `warden remind`: a reminder when trading is halted. */
function registerRemind(program: Command): void {
  program
    .command('remind')
    .description('send a reminder when trading is halted (run from a timer on killSwitch.reminderCron)')
    .action(async (_opts: unknown, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        const ks = await rt.killSwitch('reminder');
        const sent = await remindIfHalted(ks, rt.alerts, Date.now());
        out(sent ? 'halted: reminder sent' : 'running: no reminder needed', false);
      });
    });
}
