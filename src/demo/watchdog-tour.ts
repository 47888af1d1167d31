import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { SqliteStore } from '../store/index.js';
import { KillSwitch, ResumeRefusedError } from '../killswitch/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const wardenBin = join(root, 'bin', 'warden.js');
const isTs = import.meta.url.endsWith('.ts');

/** The message of one of the watchdog's log lines (pino JSON when not on a terminal), else the line. */
function logMessage(line: string): string {
  try {
    const v = JSON.parse(line) as { msg?: unknown };
    return typeof v.msg === 'string' ? v.msg : line;
  } catch {
    return line;
  }
}

/** Options of the demo. */
export interface WatchdogTourOptions {
  /** Seconds the bot stays frozen before it is thawed (the watchdog must notice in this time). */
  readonly freezeSec?: number;
  readonly dataDir?: string;
  readonly write?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function prefixLines(child: ChildProcess, tag: string, write: (s: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => write(`  [${tag}] ${line}`));
  }
}

/** What every step of the tour writes to and stops at the end. */
interface Tour {
  readonly dataDir: string;
  readonly config: string;
  readonly write: (line: string) => void;
  /** Writes a step's heading, stamped with the seconds since the tour began. */
  readonly step: (s: string) => void;
  readonly children: ChildProcess[];
  readonly store: SqliteStore;
  readonly ks: KillSwitch;
}

/**
 * A short tour (what `npm start` ran before the full demo): a bot heartbeating in its own process, frozen with
 * SIGSTOP; the watchdog (its own process) notices, alerts and halts trading; a resume without
 * a name is refused; a resume with a reason and a name lets the bot trade again.
 */
export async function runWatchdogTour(
  opts: WatchdogTourOptions = {},
): Promise<{ dataDir: string; halted: boolean; resumed: boolean }> {
  const write = opts.write ?? ((s: string) => void process.stdout.write(`${s}\n`));
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'warden-demo-'));
  const config = writeTourConfig(dataDir);
  const t0 = Date.now();
  const step = (s: string) => write(`\n[${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);

  step(`Warden demo. Data dir: ${dataDir}`);
  // Create the store before the processes start so they never race on the first migration.
  const store = SqliteStore.open(join(dataDir, 'warden.db'));
  const ks = await KillSwitch.open({ store, dataDir, source: 'demo', pollMs: 100 });
  const tour: Tour = { dataDir, config, write, step, children: [], store, ks };
  try {
    const bot = await startBot(tour);
    await startWatchdog(tour);
    const halted = await freezeUntilHalted(tour, bot, (opts.freezeSec ?? 4) * 1000);
    step('Thawing the bot (SIGCONT). Nothing resumes by itself: the bot is alive but may not add risk.');
    bot.kill('SIGCONT');
    await sleep(2000);
    await resumeWithoutName(tour);
    const resumed = await resumeOnPurpose(tour);
    await showRecord(tour);
    return { dataDir, halted, resumed };
  } finally {
    await stopChildren(tour.children);
    await ks.close();
    await store.close();
  }
}

/** The tour's config: one bot heartbeat every 0.5 s + 1 s grace that trips, checked every 0.25 s. */
function writeTourConfig(dataDir: string): string {
  const config = join(dataDir, 'warden.config.json');
  writeFileSync(
    config,
    JSON.stringify(
      {
        dataDir,
        heartbeats: [{ name: 'bot', periodSec: 0.5, graceSec: 1, tripOnFailure: true }],
        watchdog: { intervalSec: 0.25 },
        alerts: { channels: [{ type: 'stderr' }] },
      },
      null,
      2,
    ),
  );
  return config;
}

/** Starts the demo bot, and waits until it has beaten once (a slow start is not a frozen bot). */
async function startBot(t: Tour): Promise<ChildProcess> {
  t.step(
    'Starting the bot (its own process): a heartbeat every 250 ms, the kill switch asked before every order.',
  );
  const script = join(here, isTs ? 'demo-bot.ts' : 'demo-bot.js');
  const bot = startChild(t, [...(isTs ? ['--import', 'tsx'] : []), script, t.dataDir, '250']);
  prefixLines(bot, 'bot', t.write);
  const firstLine = new Promise<void>((r) => bot.stdout?.once('data', () => r()));
  await Promise.race([firstLine, sleep(30_000)]);
  await sleep(600);
  return bot;
}

/** Starts `warden watch`; its first report and the ones that say something happened are shown. */
async function startWatchdog(t: Tour): Promise<void> {
  t.step(
    'Starting the watchdog (another process): `warden watch`, expecting a beat every 0.5 s + 1 s grace.',
  );
  const dog = startChild(t, [wardenBin, '--config', t.config, 'watch', '--interval', '0.25']);
  let seen = 0;
  createInterface({ input: dog.stderr! }).on('line', (l) => t.write(`  [watchdog alert] ${l}`));
  createInterface({ input: dog.stdout! }).on('line', (l) => {
    const msg = logMessage(l);
    if (seen++ === 0 || /alerted|recovered|tripped/.test(msg)) t.write(`  [watchdog] ${msg}`);
  });
  await sleep(1500);
}

/** A node child of the tour (stdout and stderr piped), tracked so the end of the tour stops it. */
function startChild(t: Tour, args: string[]): ChildProcess {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
  t.children.push(child);
  return child;
}

/** Freezes the bot (SIGSTOP) and waits up to `freezeMs` for the watchdog to halt trading. */
async function freezeUntilHalted(t: Tour, bot: ChildProcess, freezeMs: number): Promise<boolean> {
  t.step('Freezing the bot with SIGSTOP. A frozen bot looks like a bot with nothing to do...');
  bot.kill('SIGSTOP');
  const deadline = Date.now() + freezeMs;
  while (!t.ks.isHalted() && Date.now() < deadline) await sleep(100);
  const halted = t.ks.isHalted();
  const s = t.ks.state();
  t.step(
    halted && s.halted
      ? `...but the watchdog noticed: trading HALTED (${s.source}): ${s.reason}`
      : 'the watchdog did NOT halt trading in time (this is a failure of the demo)',
  );
  await sleep(300);
  return halted;
}

/** A resume without a name: the kill switch must refuse it. */
async function resumeWithoutName(t: Tour): Promise<void> {
  t.step('Trying to resume without a name:');
  try {
    await t.ks.resume({ reason: 'looks fine', by: '' });
    t.write('  resume was accepted (this is a failure of the demo)');
  } catch (err) {
    if (!(err instanceof ResumeRefusedError)) throw err;
    t.write(`  refused: ${err.message}`);
  }
}

/** A resume with a reason and a name; true when trading is no longer halted a moment later. */
async function resumeOnPurpose(t: Tour): Promise<boolean> {
  t.step('Resuming on purpose, with a reason and a name (same as `warden resume --reason ... --by alice`).');
  await t.ks.resume({ reason: 'bot process checked: it was frozen by the demo', by: 'alice' });
  await sleep(1200);
  return !t.ks.isHalted();
}

/** The kill switch's history, oldest first, and where the files for other languages are. */
async function showRecord(t: Tour): Promise<void> {
  const history = await t.store.killSwitch.history(10);
  t.step('The record (`warden status` shows it; `warden audit export` hands it to an auditor):');
  for (const e of history.reverse()) {
    t.write(`  ${new Date(e.at).toISOString()} ${e.action.padEnd(6)} by ${e.by} (${e.source}): ${e.reason}`);
  }
  t.step(
    `Done. Files for other languages: ${join(t.dataDir, 'circuit.json')}, ${join(t.dataDir, 'heartbeat.json')}`,
  );
}

/** Thaws and stops every child, and waits for each to exit. */
async function stopChildren(children: readonly ChildProcess[]): Promise<void> {
  for (const c of children) {
    c.kill('SIGCONT');
    c.kill('SIGTERM');
  }
  await Promise.all(
    children.map((c) => new Promise<void>((r) => (c.exitCode !== null ? r() : c.once('exit', () => r())))),
  );
}
