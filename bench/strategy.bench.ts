// Strategy breaker benchmarks: `warden evaluate --full` from the command line (a fresh process,
// start-up included) beside DuckDB's read_json with the same 30-day size-weighted ROI per group,
// each in its own process, on 1M and 10M seed-format lines (results compared, wall time and peak
// RSS, medians); the incremental rerun after a 1% append against a full run, both from the
// command line; the same in one warm process; the runtime check beside a stat-per-call reader;
// seed 000's pandas evaluator (by the first python3 that has pandas); tuning a year of 10 strategies.
// Run: npm run build && npx tsx bench/strategy.bench.ts [--quick]   (--quick: 1M lines only)
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  StrategyBreaker,
  evaluateStrategies,
  runTune,
  writeSyntheticLog,
  type StrategyBreakerOptions,
  DEFAULT_TUNE_GRID,
} from '../src/strategy/index.js';
import { agreesWith, findPandasPython, runSeedPandas } from './helpers/seed-pandas.js';

const NOW = Date.parse('2026-05-05T03:49:00Z');
const self = fileURLToPath(import.meta.url);

const quick = process.argv.includes('--quick');
console.log(
  `start ${new Date().toISOString()}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
const dir = mkdtempSync(join(tmpdir(), 'warden-bench-strategy-'));
const rows: string[][] = [];
const row = (...c: (string | number)[]): void => {
  rows.push(c.map(String));
  console.log(c.join('  |  '));
};

try {
  // 1. `warden evaluate --full` from the command line beside DuckDB, each in its own process.
  const ROOT = join(dirname(self), '..');
  const stamp = (await import(join(ROOT, 'bin', 'source-stamp.js'))) as {
    sameStamp: (a: unknown, b: unknown) => boolean;
    sourceStamp: (dir: string) => unknown;
  };
  const fresh = (() => {
    try {
      const built = JSON.parse(readFileSync(join(ROOT, 'dist', '.source-stamp.json'), 'utf8')) as unknown;
      return stamp.sameStamp(built, stamp.sourceStamp(join(ROOT, 'src')));
    } catch {
      return false;
    }
  })();
  if (!fresh) console.log('note: dist/ is not fresh (run npm run build): warden runs through tsx');
  const nowIso = new Date(NOW).toISOString();
  const data = join(dir, 'data');
  // Wall time, peak RSS and CPU time (user + system, which holds still on a loaded machine).
  const timed = (cmd: string, args: string[]): { ms: number; rssMb: number; cpuMs: number; out: string } => {
    const t = performance.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], {
      encoding: 'utf8',
      cwd: ROOT,
      maxBuffer: 1 << 26,
    });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
    const [rssKb, user, sys] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
    return {
      ms,
      rssMb: (rssKb as number) / 1024,
      cpuMs: ((user as number) + (sys as number)) * 1000,
      out: r.stdout,
    };
  };
  interface WardenRun {
    ms: number;
    rssMb: number;
    cpuMs: number;
    inProcessMs: number;
    mode: string;
    phases: { cursor: number; scan: number; write: number };
    sports: Record<string, { n_30d: number; roi_30d: number | null }>;
  }
  const warden = (log: string, full: boolean): WardenRun => {
    const args = [join(ROOT, 'bin', 'warden.js'), 'evaluate', '--data-dir', data, '--trades', log];
    args.push('--state', join(dir, 's.json'), '--now', nowIso, '--state-key', 'sports', '--json');
    const r = timed(process.execPath, full ? [...args, '--full'] : args);
    const j = JSON.parse(r.out) as {
      read: { mode: string; ms: { cursor: number; scan: number; write: number } };
      sports: WardenRun['sports'];
    };
    const ph = j.read.ms;
    return {
      ...r,
      inProcessMs: ph.cursor + ph.scan + ph.write,
      mode: j.read.mode,
      phases: ph,
      sports: j.sports,
    };
  };
  const duck = (
    log: string,
  ): {
    ms: number;
    rssMb: number;
    cpuMs: number;
    queryMs: number;
    groups: { g: string; n: number; roi: number }[];
  } => {
    const r = timed(process.execPath, [join(ROOT, 'bench', 'helpers', 'duckdb-roi.mjs'), log, nowIso, '30']);
    return {
      ...r,
      ...(JSON.parse(r.out) as { queryMs: number; groups: { g: string; n: number; roi: number }[] }),
    };
  };
  const median = (xs: number[]): number => {
    const v = [...xs].sort((x, y) => x - y);
    return v.length % 2 === 1
      ? (v[(v.length - 1) / 2] as number)
      : ((v[v.length / 2 - 1] as number) + (v[v.length / 2] as number)) / 2;
  };
  const sizes = quick ? [1_000_000] : [1_000_000, 10_000_000];
  for (const n of sizes) {
    const log = join(dir, `t${n}.jsonl`);
    writeSyntheticLog(log, { lines: n, strategies: 10, days: 30, seed: 1 });
    const mb = statSync(log).size / 1e6;
    const rounds = n > 1_000_000 ? 3 : 5;
    const w: WardenRun[] = [];
    const d: ReturnType<typeof duck>[] = [];
    for (let k = 0; k < rounds; k++) {
      w.push(warden(log, true));
      d.push(duck(log));
    }
    // The two must agree: every group, its count, and its ROI (DuckDB sums in its own order).
    const ours = (w[0] as WardenRun).sports;
    const theirs = (d[0] as ReturnType<typeof duck>).groups;
    if (theirs.length !== Object.keys(ours).length)
      throw new Error('DuckDB and Warden found different groups');
    for (const g of theirs) {
      const e = ours[g.g];
      if (
        e === undefined ||
        e.n_30d !== g.n ||
        Math.abs((e.roi_30d ?? NaN) - g.roi) > 1e-12 * Math.abs(g.roi)
      )
        throw new Error(`${g.g}: DuckDB n=${g.n} roi=${g.roi}, Warden ${JSON.stringify(e)}`);
    }
    const wMs = median(w.map((r) => r.ms));
    const dMs = median(d.map((r) => r.ms));
    const dQuery = median(d.map((r) => r.queryMs));
    row(
      `warden evaluate --full, ${n / 1e6}M lines (${mb.toFixed(0)} MB), CLI start-up included`,
      `${wMs.toFixed(0)} ms`,
      `peak RSS ${median(w.map((r) => r.rssMb)).toFixed(0)} MB`,
      `in-process ${median(w.map((r) => r.inProcessMs)).toFixed(0)} ms; CPU ${median(w.map((r) => r.cpuMs)).toFixed(0)} ms; median of ${rounds}`,
    );
    row(
      `DuckDB read_json, same ROI per group (own process)`,
      `${dMs.toFixed(0)} ms`,
      `peak RSS ${median(d.map((r) => r.rssMb)).toFixed(0)} MB`,
      `query alone ${dQuery.toFixed(0)} ms; CPU ${median(d.map((r) => r.cpuMs)).toFixed(0)} ms; results agree (${theirs.length} groups)`,
    );
    row(
      `ratio DuckDB / Warden, ${n / 1e6}M lines`,
      `${(dMs / wMs).toFixed(2)}x (process)`,
      `${(dQuery / wMs).toFixed(2)}x (DuckDB's query alone vs Warden's whole command)`,
      `CPU ${(median(d.map((r) => r.cpuMs)) / median(w.map((r) => r.cpuMs))).toFixed(2)}x; > 1: Warden is faster`,
    );
  }

  // 2. Incremental rerun after a 1% append vs a full read of the grown log, both from the CLI, at
  // each size: the rerun's floor is the process's start-up, which weighs less beside a longer log.
  const ph = (r: WardenRun): string =>
    `cursor ${r.phases.cursor.toFixed(1)} + scan ${r.phases.scan.toFixed(1)} + decide/write ${r.phases.write.toFixed(1)} ms`;
  for (const n of sizes) {
    const log = join(dir, `t${n}.jsonl`);
    const extra = join(dir, `extra${n}.jsonl`);
    writeSyntheticLog(extra, { lines: n / 100, strategies: 10, days: 1, seed: 9, end: NOW });
    warden(log, false); // writes the cursor
    const incs: WardenRun[] = [];
    const fulls: WardenRun[] = [];
    for (let k = 0; k < 3; k++) {
      appendFileSync(log, readFileSync(extra));
      incs.push(warden(log, false));
      fulls.push(warden(log, true)); // rewrites the cursor at the end of the grown log
    }
    if (incs.some((r) => r.mode !== 'incremental')) throw new Error('the rerun was not incremental');
    const incIn = median(incs.map((r) => r.inProcessMs));
    const fullIn = median(fulls.map((r) => r.inProcessMs));
    const [iMs, fMs] = [median(incs.map((r) => r.ms)), median(fulls.map((r) => r.ms))];
    const [iCpu, fCpu] = [median(incs.map((r) => r.cpuMs)), median(fulls.map((r) => r.cpuMs))];
    row(
      `incremental after +1% (${n / 100 / 1000}k lines) of ${n / 1e6}M, CLI`,
      `${iMs.toFixed(0)} ms`,
      `${((iMs / fMs) * 100).toFixed(1)}% of a full CLI run (${fMs.toFixed(0)} ms); CPU ${iCpu.toFixed(0)} ms = ${((iCpu / fCpu) * 100).toFixed(1)}% of a full run's ${fCpu.toFixed(0)} ms`,
      `evaluation alone ${incIn.toFixed(1)} ms = ${((incIn / fullIn) * 100).toFixed(1)}% of a full one (${fullIn.toFixed(0)} ms); ${ph(incs[incs.length - 1] as WardenRun)}`,
    );
    if (n !== 1_000_000) rmSync(log);
    rmSync(extra);
  }
  // the process's start-up alone: the same command on a 100-line log
  {
    const tiny = join(dir, 'tiny.jsonl');
    writeSyntheticLog(tiny, { lines: 100, strategies: 10, days: 1, seed: 4, end: NOW });
    const t = [0, 1, 2, 3, 4].map(() => warden(tiny, true));
    row(
      'warden evaluate --full, 100 lines (the start-up floor), CLI',
      `${median(t.map((r) => r.ms)).toFixed(0)} ms`,
      `CPU ${median(t.map((r) => r.cpuMs)).toFixed(0)} ms`,
      'median of 5',
    );
  }
  const log = join(dir, 't1000000.jsonl');
  const extra = join(dir, 'extra.jsonl');
  writeSyntheticLog(extra, { lines: 10_000, strategies: 10, days: 1, seed: 9, end: NOW });

  // 2b. The same in one warm process, as the daemon's schedule runs it (JIT already warm).
  {
    const wlog = join(dir, 'warm.jsonl');
    writeSyntheticLog(wlog, { lines: 1_000_000, strategies: 10, days: 30, seed: 1 });
    const wcur = join(dir, 'warm-cursor.json');
    const run = (cursorPath: string | null, state: string): number => {
      const t = performance.now();
      evaluateStrategies({
        tradesPath: wlog,
        statePath: join(dir, state),
        now: NOW,
        options: { stateKey: 'sports' },
        cursorPath,
      });
      return performance.now() - t;
    };
    run(null, 'w0.json'); // warm up the JIT
    run(wcur, 'w1.json');
    let wInc = 0;
    for (let k = 0; k < 3; k++) {
      // three nights of +1% each; the first incremental run also warms its own code path
      appendFileSync(wlog, readFileSync(extra));
      wInc = run(wcur, 'w1.json');
    }
    const wFull = run(null, 'w2.json');
    row(
      'incremental after +1%, warm process (daemon), 3rd night',
      `${wInc.toFixed(1)} ms`,
      'incremental',
      `${((wInc / wFull) * 100).toFixed(1)}% of full (${wFull.toFixed(0)} ms)`,
    );
    rmSync(wlog);
  }

  // 3. Runtime check: no syscall per call vs a stat per call (seed 000's reader).
  const state = join(dir, 's.json'); // written by the CLI runs above
  const opts: StrategyBreakerOptions = {
    statePath: state,
    stateKey: 'sports',
    watch: false,
    reloadIntervalMs: 0,
  };
  const b = new StrategyBreaker(opts);
  const keys = ['S00', 'S01', 'S02', 'S03', 'S04', 'S05', 'S06', 'S07', 'S08', 'S09'];
  let allow = 0;
  const N = 5_000_000;
  for (let i = 0; i < 200_000; i++) if (b.check(keys[i % 10] as string).allow) allow++;
  let t0 = performance.now();
  for (let i = 0; i < N; i++) if (b.check(keys[i % 10] as string).allow) allow++;
  const ns = ((performance.now() - t0) * 1e6) / N;
  b.close();
  // The seed's reader: stat the file every call, reparse when the mtime moved.
  let cache: Record<string, unknown> | null = null;
  let mtime = 0;
  const seedCheck = (key: string): boolean => {
    const st = statSync(state);
    if (cache === null || st.mtimeMs !== mtime) {
      cache = JSON.parse(readFileSync(state, 'utf8')) as Record<string, unknown>;
      mtime = st.mtimeMs;
    }
    const s = (cache['sports'] as Record<string, { status?: string }>)[key];
    return s?.status !== 'blocked';
  };
  const M = 200_000;
  t0 = performance.now();
  for (let i = 0; i < M; i++) if (seedCheck(keys[i % 10] as string)) allow++;
  const nsSeed = ((performance.now() - t0) * 1e6) / M;
  row(
    'check() ns/op',
    `${ns.toFixed(1)} ns`,
    `stat-per-call reader ${nsSeed.toFixed(0)} ns`,
    `${(nsSeed / ns).toFixed(0)}x faster`,
  );
  if (allow === 0) console.log('');

  // 4. Seed 000's pandas evaluator on the 1M log, by whichever python3 has pandas.
  const py = findPandasPython();
  if (py.found !== null) {
    console.log(`pandas ${py.found.pandas} from ${py.found.python}`);
    const ours = warden(log, true);
    const p = runSeedPandas(py.found.python, log);
    row(
      `seed pandas evaluator (${py.found.python}, pandas ${py.found.pandas}), 1.03M lines`,
      `${p.wallMs.toFixed(0)} ms (its own timer ${p.scriptMs.toFixed(0)} ms)`,
      `peak RSS ${p.rssMb.toFixed(0)} MB`,
      `Warden's command in the same run ${ours.ms.toFixed(0)} ms, ${ours.rssMb.toFixed(0)} MB: ${(p.wallMs / ours.ms).toFixed(1)}x faster, ${(p.rssMb / ours.rssMb).toFixed(1)}x less memory; CPU ${p.cpuMs.toFixed(0)} vs ${ours.cpuMs.toFixed(0)} ms; ${agreesWith(p, ours.sports)}`,
    );
  } else
    console.log(
      `SKIPPED the seed pandas row: no python3 with pandas (tried ${py.tried.join(', ')}); apt-get install python3-pandas, or set WARDEN_BENCH_PYTHON`,
    );

  // 5. Tuning: a year, 10 strategies, 5x5x3x3 grid.
  const year = join(dir, 'year.jsonl');
  writeSyntheticLog(year, { lines: 365 * 10 * 50, strategies: 10, days: 365, degradations: true, seed: 5 });
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  t0 = performance.now();
  runTune({
    tradesPath: year,
    outDir: join(dir, 'tune'),
    groupBy: 'sport',
    labelField: 'degraded',
    grid: DEFAULT_TUNE_GRID,
    stdout: sink,
    stderr: sink,
  });
  row(
    'tune 1 year x 10 strategies (182,500 trades), 225 candidates',
    `${(performance.now() - t0).toFixed(0)} ms`,
    '',
    '',
  );
  writeFileSync(join(dir, 'done'), '');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `end ${new Date().toISOString()}, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log('\n| benchmark | time | figure | note |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
