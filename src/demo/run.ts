// One run of the demo's parts: the venue (simulator over HTTP), the daemon (`warden serve` on a free
// port) and the bot (examples/demo-bot.ts, supervised), over one temporary data dir. The demo's
// scenario and the soak both drive it; `collect()` gives the invariant checker its inputs.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultConfig } from '../exchange/simulator/index.js';
import { checkInvariants, haltIntervals, type InvariantReport, type ReconcileCheck } from './invariants.js';
import { CLI, ProcessGroup, ROOT, Supervisor, demoBotPath, nodeArgs, type Child } from './processes.js';
import { countUnfinished, readRunRecords } from './records.js';
import { SqliteStore } from '../store/index.js';
import { startVenue, type DemoVenue } from './venue.js';

/** One event line of the bot (examples/demo-bot.ts prints them as JSON). */
export interface BotEvent {
  readonly event: string;
  readonly at: number;
  readonly [k: string]: unknown;
}

/** Options of a run. */
export interface RunOptions {
  readonly dataDir?: string;
  readonly seed?: number;
  readonly faults?: FaultConfig;
  /** Where narration and the children's notable lines go. */
  readonly write: (line: string) => void;
  /** Print every line of the children (the soak prints only counts). Default true. */
  readonly echo?: boolean;
}

/** The demo's config: a compressed clock (sub-second heartbeats, second-long windows). */
export function demoConfig(dataDir: string, venueUrl: string): Record<string, unknown> {
  return {
    '//': 'written by warden demo: every threshold is scaled down so the story fits in a minute',
    dataDir,
    heartbeats: [{ name: 'bot', periodSec: 0.25, graceSec: 1.5, tripOnFailure: true }],
    watchdog: { intervalSec: 0.25 },
    killSwitch: { pollMs: 200, reserveBytes: 0 },
    alerts: { channels: [{ type: 'stderr' }], ratePerMinute: 600 },
    exchange: { kind: 'sim-http', url: venueUrl, recvWindowMs: 1000, timeoutMs: 800 },
    modes: { feedMaxAgeMs: 3000, intervalMs: 200, maxDrawdown: 0.5, accountMaxAgeMs: 0, breakerGraceMs: 0 },
    freshness: { maxAgeMs: 3000, jumpBand: 0.3 },
    lossLimit: { maxLoss: 15, warnShare: 0.8 },
    strategy: {
      groupBy: 'strategy',
      minN: 5,
      trip: -0.05,
      recover: 0,
      windowDays: 30,
      trades: join(dataDir, 'trades.jsonl'),
      state: join(dataDir, 'strategy_state.json'),
      shadow: join(dataDir, 'shadow.jsonl'),
    },
    gate: { riskLimits: { maxPosition: 4 } },
    daemon: { decisionLog: false },
    reactions: { breakerOpenTooLongSec: 60 },
  };
}

/** A running set of parts. */
export class DemoRun {
  readonly dataDir: string;
  readonly configPath: string;
  readonly venue: DemoVenue;
  readonly group = new ProcessGroup();
  readonly bot: Supervisor;
  readonly events: BotEvent[] = [];
  readonly reconciliations: ReconcileCheck[] = [];
  readonly #write: (line: string) => void;
  readonly #echo: boolean;
  readonly #listeners = new Set<(e: BotEvent) => void>();
  #daemon: Child | null = null;
  #daemonAddress: string | null = null;
  #botStartedAt = 0;
  #stopping = false;
  /** Bot deaths the run caused on purpose (SIGKILL); any other death is narrated as a crash. */
  expectedDeaths = 0;

  /** The bot's script (`demoBotPath()`). */
  readonly botPath: string;

  private constructor(opts: RunOptions, venue: DemoVenue, dataDir: string, botPath: string) {
    this.botPath = botPath;
    this.#write = opts.write;
    this.#echo = opts.echo ?? true;
    this.venue = venue;
    this.dataDir = dataDir;
    this.configPath = join(dataDir, 'warden.config.json');
    writeFileSync(this.configPath, `${JSON.stringify(demoConfig(dataDir, venue.url), null, 2)}\n`);
    this.bot = new Supervisor({
      group: this.group,
      args: [botPath, this.configPath],
      onLine: (l, s) => this.#botLine(l, s),
      onStart: (pid, n) => {
        this.#botStartedAt = Date.now();
        this.#say(
          n === 1 ? `bot started (pid ${pid})` : `supervisor: bot restarted (pid ${pid}, start #${n})`,
        );
      },
      onExit: (pid, signal, code) => {
        if (this.#stopping) return;
        this.#say(`supervisor: bot pid ${pid} died (${signal ?? `exit ${code}`}); restarting it`);
      },
    });
  }

  /** Creates the data dir and its store, starts the venue. */
  static async create(opts: RunOptions): Promise<DemoRun> {
    const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'warden-demo-'));
    const venue = await startVenue({ seed: opts.seed, faults: opts.faults });
    const run = new DemoRun(opts, venue, dataDir, await demoBotPath());
    // the store exists before any process starts, so none of them races on the first migration
    await SqliteStore.open(join(dataDir, 'warden.db')).close();
    return run;
  }

  /** The dashboard's address, once the daemon said it. */
  get daemonAddress(): string | null {
    return this.#daemonAddress;
  }

  /** The daemon's pid, or null. */
  get daemonPid(): number | null {
    return this.#daemon?.pid ?? null;
  }

  /** Starts `warden serve --port 0` and waits for its address. */
  async startDaemon(): Promise<string> {
    this.#daemonAddress = null;
    const d = this.group.start([CLI, '--config', this.configPath, 'serve', '--port', '0'], (l, s) =>
      this.#daemonLine(l, s),
    );
    this.#daemon = d;
    const deadline = Date.now() + 60_000;
    while (this.#daemonAddress === null) {
      if (d.process.exitCode !== null || Date.now() > deadline) throw new Error('warden serve did not start');
      await sleep(50);
    }
    return this.#daemonAddress;
  }

  /** SIGKILLs the daemon and starts it again (the soak's "daemon killed once"). */
  async restartDaemon(): Promise<string> {
    const d = this.#daemon;
    if (d !== null) {
      d.process.kill('SIGKILL');
      await d.exited;
    }
    return this.startDaemon();
  }

  /** Runs `warden ARGS --config …` to its end. */
  cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const p = spawn(process.execPath, [...nodeArgs(CLI), CLI, '--config', this.configPath, ...args], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      p.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }

  /** Resolves with the first bot event (from now on) that matches, or null after `timeoutMs`. */
  waitFor(pred: (e: BotEvent) => boolean, timeoutMs: number): Promise<BotEvent | null> {
    return new Promise((resolve) => {
      const l = (e: BotEvent) => {
        if (!pred(e)) return;
        this.#listeners.delete(l);
        clearTimeout(t);
        resolve(e);
      };
      const t = setTimeout(() => {
        this.#listeners.delete(l);
        resolve(null);
      }, timeoutMs).unref();
      this.#listeners.add(l);
    });
  }

  /** Intents still pending or in flight in the store. */
  unfinished(): number {
    return countUnfinished(this.dataDir);
  }

  /** Waits (up to `timeoutMs`) until no intent is unfinished: a dead bot's claims lapse and are reconciled. */
  async settle(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (this.unfinished() > 0) {
      if (Date.now() > end) return false;
      await sleep(500);
    }
    return true;
  }

  /** Stops the bot, then every other child and the venue. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.bot.stop();
    await this.group.stopAll();
    await this.venue.server.close();
    this.venue.sim.close();
  }

  /** Checks the invariants over the venue's journal and the data dir's records. */
  check(): InvariantReport {
    const r = readRunRecords(this.dataDir);
    return checkInvariants({
      journal: this.venue.sim.journal,
      intents: r.intents,
      dlq: r.dlq,
      botIntents: this.events.filter((e) => e.event === 'intent').map((e) => String(e['key'])),
      gate: r.gate,
      halts: haltIntervals(r.killSwitch),
      reconciliations: this.reconciliations,
      decisionLogProblem: r.decisionLogProblem,
    });
  }

  #say(s: string): void {
    this.#write(`  ${s}`);
  }

  #botLine(line: string, stream: 'stdout' | 'stderr'): void {
    // every line the bot printed, kept beside its data (what a failed step is diagnosed from)
    appendFileSync(join(this.dataDir, 'bot-output.log'), `${stream === 'stderr' ? '! ' : ''}${line}\n`);
    if (stream === 'stderr') {
      if (this.#echo) this.#say(line.includes('warden alert') ? `[alert] ${line}` : `[bot] ${line}`);
      return;
    }
    let e: BotEvent;
    try {
      e = JSON.parse(line) as BotEvent;
    } catch {
      if (this.#echo) this.#say(`[bot] ${line}`);
      return;
    }
    if (e.event === 'reconciled') this.#reconciled(e);
    this.events.push(e);
    for (const l of [...this.#listeners]) l(e);
  }

  #reconciled(e: BotEvent): void {
    const venue: Record<string, number> = {};
    for (const b of this.venue.sim.balances()) venue[b.currency] = b.total;
    this.reconciliations.push({
      at: e.at,
      ok: e['ok'] === true,
      adopted: (e['balances'] as Record<string, number> | undefined) ?? {},
      venue,
      acceptedSince: this.venue.sim.journal.filter((o) => o.acceptedAt >= this.#botStartedAt).length,
    });
  }

  #daemonLine(line: string, stream: 'stdout' | 'stderr'): void {
    let msg = line;
    let address: unknown;
    try {
      const v = JSON.parse(line) as { msg?: unknown; address?: unknown };
      msg = typeof v.msg === 'string' ? v.msg : line;
      address = v.address;
    } catch {
      // not JSON: the line as it is
    }
    if (typeof address === 'string' && this.#daemonAddress === null) this.#daemonAddress = address;
    if (!this.#echo) return;
    if (stream === 'stderr') this.#say(msg.includes('warden alert') ? `[alert] ${msg}` : `[daemon] ${msg}`);
    else if (/trip|halt|late|incident|recovered/i.test(msg)) this.#say(`[daemon] ${msg}`);
  }
}

/** Waits `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
