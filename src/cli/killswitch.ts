import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { CliError } from './cli-error.js';
import { configFor, out } from './context.js';
import { openRuntime, withRuntime } from './runtime.js';
import { ResumeRefusedError, type HaltState } from '../killswitch/index.js';
import { readCircuitFile } from '../killswitch/files.js';

function describeHalt(s: HaltState): string {
  if (!s.halted) return 'RUNNING: trading allowed';
  const since = new Date(s.since).toISOString();
  const src = {
    store: 'kill switch',
    stop_file: 'STOP file',
    circuit_file: 'circuit.json (written outside Warden)',
    unreadable: 'state unreadable (fail closed)',
  }[s.source];
  return `HALTED by ${src} since ${since}${s.by ? ` (by ${s.by})` : ''}: ${s.reason}`;
}

/** `warden status`, `trip`, `resume`, `guard`. */
export function registerKillSwitch(program: Command): void {
  program
    .command('status')
    .description('everything at a glance; exit 1 when halted')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const loaded = configFor(cmd); // a bad config is a config error, not a halt
      let rt;
      try {
        rt = await openRuntime(cmd, loaded);
      } catch (err) {
        // Fail closed: a store that cannot be opened means trading is halted.
        const msg = (err as Error).message;
        if (opts.json) out({ halted: true, source: 'unreadable', reason: msg }, true);
        else out(`HALTED: state unreadable (fail closed): ${msg}`, false);
        process.exitCode = 1;
        return;
      }
      try {
        const ks = await rt.killSwitch('cli');
        const s = ks.state();
        const [beats, incidents, history] = await Promise.all([
          rt.store.heartbeats.list(),
          rt.store.incidents.list(),
          rt.store.killSwitch.history(5),
        ]);
        const circuit = readCircuitFile(rt.dataDir);
        const pending = await rt.store.alerts.list({ status: 'pending', limit: 1000 });
        const now = Date.now();
        if (opts.json) {
          out(
            {
              ...s,
              dataDir: rt.dataDir,
              store: rt.store.location,
              heartbeats: beats.map((b) => ({ ...b, ageSec: Math.round((now - b.at) / 1000) })),
              incidents,
              recent: history,
              circuitFile: circuit.kind === 'ok' ? circuit.value : circuit.kind,
              pendingAlerts: pending.length,
            },
            true,
          );
        } else {
          const lines = [describeHalt(s), `data dir: ${rt.dataDir}`, `store: ${rt.store.location}`];
          if (beats.length === 0) lines.push('heartbeats: none reported yet');
          for (const b of beats) {
            lines.push(
              `heartbeat ${b.name}: ${b.kind === 'beat' ? b.status : b.kind} received ${Math.round((now - b.receivedAt) / 1000)}s ago${b.at - b.receivedAt > 5000 ? `, stamped ${Math.round((b.at - b.receivedAt) / 1000)}s ahead of that (clock_skew)` : ''}`,
            );
          }
          for (const i of incidents)
            lines.push(`incident ${i.key}: ${i.detail} (since ${new Date(i.openedAt).toISOString()})`);
          if (pending.length > 0) lines.push(`alerts waiting in the outbox: ${pending.length}`);
          for (const e of history) {
            lines.push(
              `  ${new Date(e.at).toISOString()} ${e.action} by ${e.by} (${e.source}@${e.host}): ${e.reason}`,
            );
          }
          out(lines.join('\n'), false);
        }
        process.exitCode = s.halted ? 1 : 0;
      } finally {
        await rt.close();
      }
    });

  program
    .command('trip')
    .description('halt trading now (automatic callers use the same path)')
    .requiredOption('--reason <text>', 'why (recorded, alerted, shown in status)')
    .option('--by <name>', 'who is tripping it', process.env['USER'] ?? 'cli')
    .option('--flatten', 'also run the configured flatten action (cancel orders, close positions)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { reason: string; by: string; flatten?: boolean; json?: boolean }, cmd: Command) => {
      await withRuntime(cmd, async (rt) => {
        const ks = await rt.killSwitch('cli');
        const r = await ks.trip({ reason: opts.reason, by: opts.by, flatten: opts.flatten === true });
        if (opts.json) out(r, true);
        else {
          out(`HALTED: ${r.event.reason} (event ${r.event.id})`, false);
          if (r.flatten) out(`flatten: ${r.flatten.ok ? 'ok' : 'FAILED'}: ${r.flatten.detail}`, false);
        }
        if (r.flatten && !r.flatten.ok) process.exitCode = 1;
      });
    });

  program
    .command('resume')
    .description('the only way back: needs a reason and a name; logged and alerted')
    .option('--reason <text>', 'what was checked before resuming')
    .option('--by <name>', 'who is resuming')
    .option('--json', 'machine-readable output')
    .action(async (opts: { reason?: string; by?: string; json?: boolean }, cmd: Command) => {
      if (!opts.reason?.trim() || !opts.by?.trim()) {
        throw new CliError(
          `resume refused: it needs ${!opts.reason?.trim() && !opts.by?.trim() ? 'a reason and a name' : !opts.reason?.trim() ? 'a reason' : 'a name'}: warden resume --reason "what was checked" --by NAME`,
        );
      }
      await withRuntime(cmd, async (rt) => {
        const ks = await rt.killSwitch('cli');
        try {
          const e = await ks.resume({ reason: opts.reason!, by: opts.by! });
          const s = ks.state();
          if (opts.json) out({ event: e, state: s }, true);
          else
            out(
              s.halted
                ? `resumed in the store, but still ${describeHalt(s)}`
                : `RUNNING: resumed by ${e.by}: ${e.reason}`,
              false,
            );
          process.exitCode = s.halted ? 1 : 0;
        } catch (err) {
          if (err instanceof ResumeRefusedError) throw new CliError(err.message);
          throw err;
        }
      });
    });

  program
    .command('guard')
    .description('run CMD only when trading is allowed; exit 2 when halted')
    .argument('<cmd...>', 'the command and its arguments (after --)')
    .passThroughOptions()
    .action(async (argv: string[], _opts: unknown, cmd: Command) => {
      let state: HaltState;
      try {
        state = await withRuntime(cmd, async (rt) => (await rt.killSwitch('guard')).state());
      } catch (err) {
        throw new CliError(`halted: state unreadable (fail closed): ${(err as Error).message}`, 2);
      }
      if (state.halted) throw new CliError(describeHalt(state), 2);
      const [bin, ...args] = argv as [string, ...string[]];
      const code = await new Promise<number>((resolve) => {
        const child = spawn(bin, args, { stdio: 'inherit' });
        child.on('error', (err) => {
          process.stderr.write(`warden: cannot run ${bin}: ${err.message}\n`);
          resolve(127);
        });
        child.on('close', (c, sig) => resolve(c ?? (sig ? 128 + 15 : 1)));
      });
      process.exitCode = code;
    });
}
