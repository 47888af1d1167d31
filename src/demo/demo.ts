// `warden demo` (what `npm start` runs): the venue, the daemon and a supervised bot over a temporary
// data dir, the scripted scenario narrated as it happens, then the summary table.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DemoRun, sleep } from './run.js';
import { demoBotPath } from './processes.js';
import { STEPS, type StepContext } from './scenario.js';
import { formatSummary } from './summary.js';

/** Options of the demo. */
export interface DemoOptions {
  /** Seconds the scenario aims at; pauses between steps scale with it. Default 60. */
  readonly durationSec?: number;
  /** Steps to run (names from `STEPS`); default all. */
  readonly scenario?: readonly string[];
  /** Leave the daemon running after the summary until Ctrl-C. */
  readonly keep?: boolean;
  readonly dataDir?: string;
  readonly write?: (line: string) => void;
  /** Called after each step, with the run (src/demo/screenshot.ts takes its picture there). */
  readonly afterStep?: (step: string, run: DemoRun, say: (line: string) => void) => Promise<void>;
  /** Aborting stops the scenario and everything it started (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** What the demo ended with. */
export interface DemoResult {
  readonly dataDir: string;
  readonly failures: readonly string[];
  readonly duplicates: number;
  readonly violations: readonly string[];
  readonly decisionLog: string;
  readonly dashboard: string | null;
}

/** Runs the demo to its summary. */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const write = opts.write ?? ((s: string) => void process.stdout.write(`${s}\n`));
  const names = opts.scenario ?? STEPS.map((s) => s.name);
  for (const n of names)
    if (!STEPS.some((s) => s.name === n))
      throw new RangeError(`scenario: unknown step ${n} (steps: ${STEPS.map((s) => s.name).join(', ')})`);
  const t0 = Date.now();
  await preflight();
  const run = await DemoRun.create({ dataDir: opts.dataDir, write });
  const aborted = new Promise<void>((resolve) => {
    if (opts.signal?.aborted) resolve();
    opts.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  const narration = narrate(run, write, t0, (opts.durationSec ?? 60) / 60, aborted);
  try {
    const { daemon } = await startTrading(run, narration);
    await runSteps(narration.ctx, names, daemon, aborted, opts);
    return await summarize(run, narration, aborted, opts);
  } finally {
    await run.stop();
  }
}

/** The narration of one run: numbered steps and headings stamped with the seconds since its start, and the failures it told. */
interface Narration {
  readonly ctx: StepContext;
  readonly head: (line: string) => void;
  readonly write: (line: string) => void;
  readonly failures: readonly string[];
}

function narrate(
  run: DemoRun,
  write: (line: string) => void,
  t0: number,
  scale: number,
  aborted: Promise<void>,
): Narration {
  const stamp = (): string => ((Date.now() - t0) / 1000).toFixed(1).padStart(5);
  let n = 0;
  const failures: string[] = [];
  const ctx: StepContext = {
    run,
    step: (t) => write(`\n[${stamp()}s] ${++n}. ${t}`),
    say: (t) => write(`         ${t}`),
    pace: (ms) => Promise.race([sleep(ms * scale), aborted]),
    fail: (t) => {
      failures.push(t);
      write(`         ✗ ${t}`);
    },
  };
  return { ctx, head: (t) => write(`[${stamp()}s] ${t}`), write, failures };
}

/**
 * Starts the bot and waits until it reconciled and placed its first order. The daemon starts once
 * the bot beats (its watchdog expects the heartbeat from its own start) and comes up while the bot
 * reconciles and the first steps run: `daemon` is its address, which only the freeze,
 * kill and resume steps wait for.
 */
async function startTrading(run: DemoRun, { head, write }: Narration): Promise<{ daemon: Promise<string> }> {
  head(
    `Warden demo. Data dir ${run.dataDir}; the venue (exchange simulator, Binance's API) at ${run.venue.url}`,
  );
  const first = run.waitFor((e) => e.event === 'result' && e['status'] === 'placed', 90_000);
  const beating = run.waitFor((e) => e.event === 'beating', 90_000);
  run.bot.start();
  const daemon = beating.then(async () => {
    const address = await run.startDaemon();
    head(
      `daemon (warden serve: watchdog, alerts, API, dashboard) at ${address} (pid ${run.daemonPid ?? '?'})`,
    );
    return address;
  });
  daemon.catch(() => undefined);
  const rec = await run.waitFor((e) => e.event === 'reconciled', 90_000);
  head(
    `bot reconciled with the venue (${rec?.['ok'] === true ? 'OK' : 'FAILED'}) and trades through the gate`,
  );
  const p = await first;
  if (p !== null) write(`         first order ${String(p['idempotencyKey'])} placed via ccxt → venue`);
  return { daemon };
}

/** The chosen steps in scenario order, each followed by `afterStep` and a pause; an abort stops between steps. */
async function runSteps(
  ctx: StepContext,
  names: readonly string[],
  daemon: Promise<string>,
  aborted: Promise<void>,
  opts: DemoOptions,
): Promise<void> {
  const needsDaemon = new Set(['freeze', 'kill', 'resume']);
  for (const step of STEPS.filter((s) => names.includes(s.name))) {
    if (opts.signal?.aborted) break;
    if (needsDaemon.has(step.name)) await Promise.race([daemon, aborted]);
    await Promise.race([step.run(ctx), aborted]);
    if (opts.afterStep !== undefined)
      await Promise.race([opts.afterStep(step.name, ctx.run, ctx.say), aborted]);
    await ctx.pace(1_000);
  }
}

/** Lets a killed bot's intents be reconciled, stops the bot, checks the record and prints the summary; `--keep` waits for Ctrl-C. */
async function summarize(
  run: DemoRun,
  { write, failures }: Narration,
  aborted: Promise<void>,
  opts: DemoOptions,
): Promise<DemoResult> {
  if (!opts.signal?.aborted && run.unfinished() > 0) {
    write('\n(waiting for the intents a killed bot left in flight to be reconciled by client id)');
    await Promise.race([run.settle(90_000), aborted]);
  }
  await run.bot.stop();
  const report = run.check();
  const decisionLog = join(run.dataDir, 'decisions');
  write('');
  write(formatSummary(report.counts));
  write(`\nDashboard:    ${run.daemonAddress ?? '(daemon not running)'}`);
  write(`Decision log: ${decisionLog}  (check it: warden log verify ${decisionLog})`);
  write(`Config:       ${run.configPath}`);
  for (const v of report.violations) write(`VIOLATION: ${v}`);
  if (opts.keep === true && !opts.signal?.aborted) {
    write(
      '\n--keep: the daemon stays up (Ctrl-C stops it). The bot is stopped, so its heartbeat goes late and the watchdog halts trading: what the dashboard shows next.',
    );
    await aborted;
  }
  return {
    dataDir: run.dataDir,
    failures,
    duplicates: report.counts.duplicates,
    violations: report.violations,
    decisionLog,
    dashboard: run.daemonAddress,
  };
}

/** What the demo needs before it starts anything: the bot's file and ccxt (the bot's real client). */
async function preflight(): Promise<void> {
  const bot = await demoBotPath();
  if (!existsSync(bot))
    throw new RangeError(`demo: the demo bot ${bot} is missing (in a checkout: npm run build)`);
  try {
    import.meta.resolve('ccxt');
  } catch {
    throw new RangeError(
      'demo: the demo bot trades through the real ccxt client, and ccxt is not installed beside warden: npm install ccxt@4.5.84 (with a global warden: npm install -g ccxt@4.5.84)',
    );
  }
}
