import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { CliError } from './cli-error.js';
import { configFor, out, printable } from './context.js';
import { openRuntime, withRuntime, type Runtime } from './runtime.js';
import { runGuarded } from './guard.js';
import type { LoadedConfig } from '../config/index.js';
import {
  ResumeConflictError,
  ResumeRefusedError,
  fallbackAlertsFor,
  haltByFiles,
  mirrorCircuit,
  type HaltState,
} from '../killswitch/index.js';
import { readCircuitFile } from '../killswitch/files.js';
import { freeBytes } from '../store/index.js';
import type { FleetMember } from '../store/types.js';
import { modeMaxAgeFor, readBotModes, type BotModeView } from '../modes/mode-view.js';

function describeHalt(s: HaltState): string {
  if (!s.halted) return 'RUNNING: trading allowed';
  const since = new Date(s.since).toISOString();
  const src = {
    store: 'kill switch',
    stop_file: 'STOP file',
    circuit_file: 'circuit.json (written outside Warden)',
    unreadable: 'state unreadable (fail closed)',
    memory: 'a trip the store could not record (held in memory, STOP file, circuit.json)',
  }[s.source];
  const id = s.eventId !== null ? ` [halt id ${s.eventId}]` : '';
  return `HALTED by ${src} since ${since}${s.by ? ` (by ${printable(s.by)})` : ''}${id}: ${printable(s.reason)}`;
}

/**
 * A store that cannot be opened is a halt: mirror it into circuit.json so its readers see it too
 * (only into a data dir that exists: a reader never creates one).
 */
function mirrorUnreadable(dataDir: string, reason: string): void {
  if (!existsSync(dataDir)) return;
  const c = readCircuitFile(dataDir);
  if (c.kind === 'ok' && c.value.paused && c.value.source === 'unreadable' && c.value.reason === reason)
    return;
  mirrorCircuit(
    dataDir,
    { paused: true, reason, since: Date.now() / 1000, warden_event_id: null, by: null, source: 'unreadable' },
    undefined,
    (l) => void process.stderr.write(`${l}\n`),
  );
}

/** Whether the store takes a write now; the reason when it does not. */
async function storeWritable(rt: Runtime): Promise<string | null> {
  try {
    await rt.store.killSwitch.probeWrite(Date.now());
    return null;
  } catch (err) {
    const free = freeBytes(rt.dataDir);
    return `${(err as Error).message}${free !== null ? ` (${free} bytes free on the data dir's filesystem)` : ''}`;
  }
}

async function printStatus(rt: Runtime, json: boolean): Promise<HaltState> {
  const ks = await rt.killSwitch('cli');
  const s = ks.state();
  const [beats, incidents, history] = await Promise.all([
    rt.store.heartbeats.list(),
    rt.store.incidents.list(),
    rt.store.killSwitch.history(5),
  ]);
  const unwritable = await storeWritable(rt);
  const circuit = readCircuitFile(rt.dataDir);
  const pending = await rt.store.alerts.list({ status: 'pending', limit: 1000 });
  const members = await rt.store.fleet.list();
  // Each bot's mode as recorded; a record older than the bot's heartbeat limit is UNKNOWN.
  let modes: BotModeView[] | null = null;
  let modesError: string | null = null;
  try {
    modes = await readBotModes(rt.store, modeMaxAgeFor(rt.config.heartbeats));
  } catch (err) {
    modesError = (err as Error).message;
  }
  const now = Date.now();
  if (json) {
    out(
      {
        ...s,
        dataDir: rt.dataDir,
        store: rt.store.location,
        storeWritable: unwritable === null,
        ...(unwritable !== null ? { storeError: unwritable } : {}),
        heartbeats: beats.map((b) => ({ ...b, ageSec: Math.round((now - b.receivedAt) / 1000) })),
        incidents,
        recent: history,
        circuitFile: circuit.kind === 'ok' ? circuit.value : circuit.kind,
        pendingAlerts: pending.length,
        modes,
        ...(modesError !== null ? { modesError } : {}),
        ...(members.length > 0 ? { fleet: fleetView(members, now) } : {}),
      },
      true,
    );
    return s;
  }
  const p = printable;
  const lines = [describeHalt(s), `data dir: ${p(rt.dataDir)}`, `store: ${p(rt.store.location)}`];
  if (unwritable !== null)
    lines.push(
      `STORE NOT WRITABLE: ${p(rt.store.location)}: ${p(unwritable)}: a trip cannot be recorded; free space or fix permissions`,
    );
  // The watchdog's own tolerance, so status and the watchdog agree on what is clock_skew.
  const skewToleranceMs = rt.config.watchdog.clockSkewToleranceMs;
  if (beats.length === 0) lines.push('heartbeats: none reported yet');
  for (const b of beats) {
    lines.push(
      `heartbeat ${p(b.name)}: ${p(b.kind === 'beat' ? b.status : b.kind)} received ${Math.round((now - b.receivedAt) / 1000)}s ago${b.at - b.receivedAt > skewToleranceMs ? `, stamped ${Math.round((b.at - b.receivedAt) / 1000)}s ahead of that (clock_skew)` : ''}`,
    );
  }
  for (const i of incidents)
    lines.push(`incident ${p(i.key)}: ${p(i.detail)} (since ${new Date(i.openedAt).toISOString()})`);
  if (modesError !== null) lines.push(`modes: UNKNOWN (the store cannot be read: ${p(modesError)})`);
  else if (modes !== null && modes.length === 0) lines.push('modes: no bot has recorded one yet');
  for (const m of modes ?? [])
    lines.push(
      `mode ${p(m.bot)}: ${m.mode} (${p(m.reason)})${m.stale ? `: ${p(m.detail)}` : ` since ${new Date(m.since).toISOString()}, recorded ${Math.round(m.ageMs / 1000)}s ago by ${p(m.host)} pid ${m.pid}`}`,
    );
  if (pending.length > 0) lines.push(`alerts waiting in the outbox: ${pending.length}`);
  if (members.length > 0) lines.push(...fleetLines(fleetView(members, now)));
  for (const e of history) {
    lines.push(
      `  #${e.id} ${new Date(e.at).toISOString()} ${e.action} by ${p(e.by)} (${p(e.source)}@${p(e.host)})${e.clears !== null ? ` clears #${e.clears}` : ''}: ${p(e.reason)}`,
    );
  }
  out(lines.join('\n'), false);
  return s;
}

/** Every process the store knows of (fleet mode): host, role, pid, age, and who leads. */
function fleetView(members: readonly FleetMember[], now: number) {
  const view = members.map((m) => ({
    host: m.host,
    pid: m.pid,
    role: m.role,
    leader: m.info['leader'] === true,
    lastSeenSec: Math.round((now - m.lastSeenAt) / 1000),
    info: m.info,
  }));
  const leader = view.find((m) => m.leader) ?? null;
  return { leader: leader && { host: leader.host, pid: leader.pid }, members: view };
}

function fleetLines(f: ReturnType<typeof fleetView>): string[] {
  const p = printable;
  const hosts = new Set(f.members.map((m) => m.host)).size;
  return [
    `fleet: ${f.members.length} processes on ${hosts} hosts; leader: ${f.leader ? `${p(f.leader.host)} pid ${f.leader.pid}` : 'NONE (no daemon leads: no watchdog runs)'}`,
    ...f.members.map(
      (m) =>
        `  ${p(m.host)} ${p(m.role)} pid ${m.pid}${m.leader ? ' (leader)' : ''}: last seen ${m.lastSeenSec}s ago`,
    ),
  ];
}

interface TripOptions {
  reason: string;
  by: string;
  flatten?: boolean;
  json?: boolean;
}

interface ResumeOptions {
  reason?: string;
  by?: string;
  haltId?: string;
  json?: boolean;
}

/** `warden status`: fail closed, a store that cannot be opened is a halt (exit 1). */
async function statusAction(opts: { json?: boolean }, cmd: Command): Promise<void> {
  const loaded = configFor(cmd); // a bad config is a config error, not a halt
  let rt;
  try {
    rt = await openRuntime(cmd, loaded);
  } catch (err) {
    // Fail closed: a store that is missing or cannot be opened means trading is halted.
    const msg = (err as Error).message;
    mirrorUnreadable(loaded.dataDir, `store unreadable: ${msg}`);
    if (opts.json) out({ halted: true, source: 'unreadable', reason: msg, eventId: null }, true);
    else out(`HALTED: state unreadable (fail closed): ${printable(msg)}`, false);
    process.exitCode = 1;
    return;
  }
  try {
    const s = await printStatus(rt, opts.json === true);
    process.exitCode = s.halted ? 1 : 0;
  } finally {
    await rt.close();
  }
}

/**
 * A trip with no usable store (corrupt, unwritable): halts by the files anyway (STOP, circuit.json),
 * alerts from memory, and fails naming what halts trading now.
 */
async function tripWithoutStore(loaded: LoadedConfig, opts: TripOptions, error: string): Promise<never> {
  const haltedBy = existsSync(loaded.dataDir)
    ? haltByFiles(loaded.dataDir, {
        reason: opts.reason.trim(),
        by: opts.by,
        at: Date.now(),
        baseId: null,
        error,
        inMemory: false,
        shout: (l) => void process.stderr.write(`${l}\n`),
      })
    : [];
  await fallbackAlertsFor(loaded.config.alerts.channels, null).alert({
    key: `killswitch:trip-unrecorded:${Date.now()}`,
    severity: 'critical',
    title: 'Trading halted (trip NOT recorded: no usable store)',
    body: `warden trip by ${opts.by}: ${opts.reason.trim()}. ${error}. Halted by: ${haltedBy.join(', ') || 'NOTHING'}`,
  });
  throw new CliError(
    `${error}; the trip is NOT recorded${haltedBy.includes('STOP file') ? `, but trading is HALTED by the STOP file in ${loaded.dataDir}` : ', and NOTHING halts trading'}`,
  );
}

/** `warden trip`: halt now; with no usable store, by the files, alerted from memory. */
async function tripAction(opts: TripOptions, cmd: Command): Promise<void> {
  const loaded = configFor(cmd);
  if (!opts.reason.trim()) throw new CliError('reason: a trip needs a reason (--reason "...")');
  let rt: Runtime;
  try {
    // trip may create what it needs to halt (the data dir, the store).
    rt = await openRuntime(cmd, loaded, 'create');
  } catch (err) {
    return tripWithoutStore(loaded, opts, (err as Error).message);
  }
  let ok = false;
  try {
    const ks = await rt.killSwitch('cli');
    const r = await ks.trip({ reason: opts.reason, by: opts.by, flatten: opts.flatten === true });
    if (opts.json) out(r, true);
    else if (r.recorded)
      out(`HALTED: ${printable(r.event.reason)} (event ${r.event.id}, data dir ${rt.dataDir})`, false);
    else
      out(
        `HALTED by ${r.haltedBy.join(', ')} but NOT RECORDED in the store (${printable(r.error)}): ${printable(opts.reason.trim())}`,
        false,
      );
    if (r.flatten) out(`flatten: ${r.flatten.ok ? 'ok' : 'FAILED'}: ${printable(r.flatten.detail)}`, false);
    if ((r.flatten && !r.flatten.ok) || !r.recorded) process.exitCode = 1;
    ok = true;
  } finally {
    await rt.close({ flush: ok });
  }
}

/** `warden resume`: needs a reason and a name, clears the halt it names (compare-and-set). */
async function resumeAction(opts: ResumeOptions, cmd: Command): Promise<void> {
  if (!opts.reason?.trim() || !opts.by?.trim()) {
    throw new CliError(
      `resume refused: it needs ${!opts.reason?.trim() && !opts.by?.trim() ? 'a reason and a name' : !opts.reason?.trim() ? 'a reason' : 'a name'}: warden resume --reason "what was checked" --by NAME`,
    );
  }
  let haltId: number | undefined;
  if (opts.haltId !== undefined) {
    haltId = Number(opts.haltId);
    if (!Number.isSafeInteger(haltId) || haltId < 1)
      throw new CliError(`--halt-id: expected a positive event id, got ${printable(opts.haltId)}`);
  }
  await withRuntime(cmd, async (rt) => {
    const ks = await rt.killSwitch('cli');
    try {
      const e = await ks.resume({
        reason: opts.reason!,
        by: opts.by!,
        ...(haltId !== undefined ? { haltId } : {}),
      });
      const s = ks.state();
      if (opts.json) out({ event: e, state: s }, true);
      else
        out(
          s.halted
            ? `resumed in the store, but still ${describeHalt(s)}`
            : `RUNNING: resumed by ${printable(e.by)} (event ${e.id}, clears #${e.clears ?? 'none'}): ${printable(e.reason)}`,
          false,
        );
      process.exitCode = s.halted ? 1 : 0;
    } catch (err) {
      if (err instanceof ResumeRefusedError || err instanceof ResumeConflictError)
        throw new CliError(err.message);
      throw err;
    }
  });
}

/**
 * `warden guard -- CMD`: runs CMD only while trading is allowed; exit 2 when halted or unreadable
 * before the start, and exit 2 after stopping CMD when the kill switch engages while it runs.
 */
async function guardAction(argv: string[], _opts: unknown, cmd: Command): Promise<void> {
  let dataDir: string | null = null;
  let rt: Runtime;
  try {
    const loaded = configFor(cmd);
    dataDir = loaded.dataDir;
    rt = await openRuntime(cmd, loaded);
  } catch (err) {
    if (dataDir !== null) mirrorUnreadable(dataDir, `store unreadable: ${(err as Error).message}`);
    throw new CliError(`halted: state unreadable (fail closed): ${printable((err as Error).message)}`, 2);
  }
  // The feed's lost connections are retried; said once each on stderr, never the password.
  const onError = (what: string, err: unknown): void =>
    void process.stderr.write(`warden: guard: ${what}: ${printable((err as Error).message)}\n`);
  let r;
  try {
    r = await runGuarded(rt, argv, onError);
  } catch (err) {
    throw new CliError(`halted: state unreadable (fail closed): ${printable((err as Error).message)}`, 2);
  }
  const o = r.outcome;
  if (o.kind === 'halted') {
    if (r.closedInTime) throw new CliError(describeHalt(o.state), 2);
    process.stderr.write(`warden: ${describeHalt(o.state)}\n`);
    process.exit(2);
  }
  if (o.kind === 'stopped') {
    process.stderr.write(
      `warden: ${describeHalt(o.state)}; stopped ${printable(argv[0] ?? '')} (${o.signal})\n`,
    );
    process.exitCode = 2;
  } else process.exitCode = o.code;
  // The store did not close (a silent server): do not wait for its sockets to time out.
  if (!r.closedInTime) process.exit(process.exitCode);
}

/** `warden status`, `trip`, `resume`, `guard`. */
export function registerKillSwitch(program: Command): void {
  program
    .command('status')
    .description('everything at a glance; exit 1 when halted')
    .option('--json', 'machine-readable output')
    .action(statusAction);

  program
    .command('trip')
    .description('halt trading now (automatic callers use the same path)')
    .requiredOption('--reason <text>', 'why (recorded, alerted, shown in status)')
    .option('--by <name>', 'who is tripping it', process.env['USER'] ?? 'cli')
    .option('--flatten', 'also run the configured flatten action (cancel orders, close positions)')
    .option('--json', 'machine-readable output')
    .action(tripAction);

  program
    .command('resume')
    .description('the only way back: needs a reason and a name; names the halt it clears; logged and alerted')
    .option('--reason <text>', 'what was checked before resuming')
    .option('--by <name>', 'who is resuming')
    .option(
      '--halt-id <id>',
      'the halt being cleared (the "halt id" warden status shows); default: the halt as read when this command starts',
    )
    .option('--json', 'machine-readable output')
    .action(resumeAction);

  program
    .command('guard')
    .description('run CMD only when trading is allowed; exit 2 when halted')
    .argument('<cmd...>', 'the command and its arguments (after --)')
    .passThroughOptions()
    .action(guardAction);
}
