// The chaos soak (`npm run soak`): the demo's parts under random faults at seed 003's rates (30 % of
// exchange calls fail, up to 500 ms added latency) plus bad ticks, the bot SIGKILLed at random
// moments and the daemon once; then the invariants, checked against the venue's own record.
import { KillSwitch } from '../killswitch/index.js';
import { SqliteStore } from '../store/index.js';
import { seededRandom } from '../util/seeded-random.js';
import { join } from 'node:path';
import type { FaultConfig } from '../exchange/simulator/index.js';
import type { InvariantReport } from './invariants.js';
import { DemoRun, sleep } from './run.js';
import { formatSummary } from './summary.js';

/** Seed 003 section 7's rates: 30 % of calls fail (spread over the transport faults), 0–500 ms latency, bad ticks. */
export const SOAK_FAULTS: FaultConfig = Object.freeze({
  rates: {
    http_5xx: 0.1,
    timeout_after_accept: 0.05,
    timeout_before_accept: 0.05,
    disconnect: 0.05,
    http_429: 0.05,
  },
  latencyMs: { min: 0, max: 500 },
  badData: { rate: 0.05 },
  retryAfterMs: 200,
});

/** Options of a soak. */
export interface SoakOptions {
  readonly durationSec: number;
  readonly seed?: number;
  readonly write?: (line: string) => void;
  readonly dataDir?: string;
  /** Aborting ends the chaos early (Ctrl-C); the invariants are still checked. */
  readonly signal?: AbortSignal;
}

/** The soak's outcome: the checker's report and what the chaos did. */
export interface SoakResult extends InvariantReport {
  readonly botKills: number;
  readonly daemonKills: number;
  readonly resumes: number;
  readonly faults: Readonly<Record<string, number>>;
  readonly dataDir: string;
}

/** Runs the soak for `durationSec` and checks the invariants. */
export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const write = opts.write ?? ((s: string) => void process.stdout.write(`${s}\n`));
  const seed = opts.seed ?? 7;
  const random = seededRandom(seed + 1);
  const run = await DemoRun.create({ dataDir: opts.dataDir, seed, faults: SOAK_FAULTS, write, echo: false });
  const store = SqliteStore.open(join(run.dataDir, 'warden.db'));
  const ks = await KillSwitch.open({ store, dataDir: run.dataDir, source: 'soak', pollMs: 200 });
  let botKills = 0;
  let daemonKills = 0;
  let resumes = 0;
  // A halt (the watchdog sees a killed bot's heartbeat stop) is resumed once the new bot reconciled:
  // the operator of the soak is this loop.
  const off = setInterval(() => {
    const s = ks.state();
    const last = run.events.at(-1);
    if (s.halted && last !== undefined && Date.now() - last.at < 1_000 && run.reconciliations.length > 0) {
      ks.resume({ reason: 'soak: bot restarted and reconciled', by: 'soak', haltId: s.eventId })
        .then(() => resumes++)
        .catch(() => undefined);
    }
  }, 1_000);
  try {
    write(`soak: ${opts.durationSec} s, seed ${seed}, data dir ${run.dataDir}`);
    run.bot.start();
    await run.waitFor((e) => e.event === 'reconciled', 120_000);
    await run.startDaemon();
    const end = Date.now() + opts.durationSec * 1000;
    const daemonAt = Date.now() + (opts.durationSec * 1000) / 2;
    // each SIGKILL comes 5 to 30 s after the bot (re)started trading, so every life trades a while
    let nextKill: number | null = Date.now() + 5_000 + random() * 25_000;
    let lives = run.reconciliations.length;
    while (Date.now() < end && opts.signal?.aborted !== true) {
      await sleep(250);
      if (nextKill === null && run.reconciliations.length > lives) {
        lives = run.reconciliations.length;
        nextKill = Date.now() + 5_000 + random() * 25_000;
      }
      if (daemonKills === 0 && Date.now() >= daemonAt) {
        await run.restartDaemon();
        daemonKills++;
        write(`soak: daemon SIGKILLed and restarted (${run.daemonAddress ?? '?'})`);
      }
      const bot = run.bot.current;
      if (nextKill !== null && Date.now() >= nextKill && bot !== null) {
        bot.process.kill('SIGKILL');
        botKills++;
        write(
          `soak: bot SIGKILLed (#${botKills}) after ${run.events.filter((e) => e.event === 'intent').length} intents`,
        );
        nextKill = null;
      }
    }
    const faults = run.venue.sim.faults.injected();
    run.venue.sim.faults.configure({});
    write('soak: faults off; waiting for every intent in flight to be resolved, then stopping the bot');
    await run.waitFor((e) => e.event === 'result', 30_000);
    if (!(await run.settle(120_000))) write(`soak: ${run.unfinished()} intents still unfinished`);
    await run.bot.stop(30_000);
    const report = run.check();
    write(formatSummary(report.counts));
    write(`  bot SIGKILLs ${botKills}, daemon SIGKILLs ${daemonKills}, resumes ${resumes}`);
    write(`  faults injected ${JSON.stringify(faults)}`);
    for (const v of report.violations) write(`VIOLATION: ${v}`);
    write(
      report.violations.length === 0
        ? 'soak: every invariant held'
        : `soak: ${report.violations.length} violations`,
    );
    return { ...report, botKills, daemonKills, resumes, faults, dataDir: run.dataDir };
  } finally {
    clearInterval(off);
    await ks.close();
    await store.close();
    await run.stop();
  }
}
