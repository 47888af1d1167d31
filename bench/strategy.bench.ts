// Strategy breaker benchmarks: evaluator throughput and peak memory on 1M and 10M lines,
// incremental rerun after 1% growth, runtime check ns/op beside a stat-per-call reader like
// seed 000's, seed 000's pandas evaluator on the 1M log (when python3-pandas is there), and
// tuning a year of 10 strategies over a 5x5x3x3 grid.
// Run: npx tsx bench/strategy.bench.ts [--quick]   (--quick: 1M lines only)
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const NOW = Date.parse('2026-05-05T03:49:00Z');
const self = fileURLToPath(import.meta.url);

/** Child mode: one evaluation in a fresh process so its peak RSS is its own. */
if (process.argv[2] === '--child') {
  const [, , , trades, state, cursor] = process.argv;
  const t0 = performance.now();
  const r = evaluateStrategies({
    tradesPath: trades as string,
    statePath: state as string,
    now: NOW,
    options: { stateKey: 'sports' },
    cursorPath: cursor === '-' ? null : (cursor ?? null),
  });
  const ms = performance.now() - t0;
  process.stdout.write(
    JSON.stringify({
      ms,
      lines: r.read.lines,
      mode: r.read.mode,
      phases: r.read.ms,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
  process.exit(0);
}

interface ChildResult {
  phases: { cursor: number; scan: number; write: number };
  ms: number;
  lines: number;
  mode: string;
  maxRssMb: number;
}

function child(trades: string, state: string, cursor: string): ChildResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', trades, state, cursor], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as ChildResult;
}

const quick = process.argv.includes('--quick');
const dir = mkdtempSync(join(tmpdir(), 'warden-bench-strategy-'));
const rows: string[][] = [];
const row = (...c: (string | number)[]): void => {
  rows.push(c.map(String));
  console.log(c.join('  |  '));
};

try {
  // 1. Throughput and peak memory.
  const sizes = quick ? [1_000_000] : [1_000_000, 10_000_000];
  for (const n of sizes) {
    const log = join(dir, `t${n}.jsonl`);
    writeSyntheticLog(log, { lines: n, strategies: 10, days: 30, seed: 1 });
    const mb = statSync(log).size / 1e6;
    const r = child(log, join(dir, 's.json'), '-');
    row(
      `evaluate ${n / 1e6}M lines (${mb.toFixed(0)} MB)`,
      `${r.ms.toFixed(0)} ms`,
      `${(((n / r.ms) * 1000) / 1e6).toFixed(2)} M lines/s`,
      `peak RSS ${r.maxRssMb.toFixed(0)} MB`,
    );
    if (n !== 1_000_000) rmSync(log);
  }

  // 2. Incremental rerun after 1% growth, vs a full read of the grown log.
  const log = join(dir, 't1000000.jsonl');
  const cursor = join(dir, 'cursor.json');
  const first = child(log, join(dir, 'a.json'), cursor);
  const extra = join(dir, 'extra.jsonl');
  writeSyntheticLog(extra, { lines: 10_000, strategies: 10, days: 1, seed: 9, end: NOW });
  appendFileSync(log, readFileSync(extra));
  const inc = child(log, join(dir, 'a.json'), cursor);
  const full = child(log, join(dir, 'b.json'), '-');
  row('full read with cursor written (1M)', `${first.ms.toFixed(0)} ms`, first.mode, '');
  const ph = (r: ChildResult): string =>
    `cursor ${r.phases.cursor.toFixed(1)} + scan ${r.phases.scan.toFixed(1)} + decide/write ${r.phases.write.toFixed(1)} ms`;
  row(
    'incremental after +1% (10k lines)',
    `${inc.ms.toFixed(1)} ms`,
    inc.mode,
    `${((inc.ms / full.ms) * 100).toFixed(1)}% of full (${full.ms.toFixed(0)} ms); ${ph(inc)}`,
  );

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
  const state = join(dir, 'a.json');
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

  // 4. Seed 000's pandas evaluator on the 1M log.
  const py = spawnSync('/usr/bin/python3', ['-c', 'import pandas'], { encoding: 'utf8' });
  if (py.status === 0) {
    const src = `
import json, time, sys
import pandas as pd
from datetime import datetime, timezone, timedelta
t0 = time.perf_counter()
rows = []
with open(sys.argv[1]) as f:
    for line in f:
        try: rows.append(json.loads(line))
        except json.JSONDecodeError: continue
df = pd.DataFrame(rows)
df["ts"] = pd.to_datetime(df["ts"], utc=True, errors="coerce")
df = df[df["resolved"].notna()]
cutoff = datetime(2026,5,5,3,49,tzinfo=timezone.utc) - timedelta(days=30)
df = df[df["ts"] >= cutoff]
df["dollar_pnl"] = df["pnl_c"] * df["size"] / 100
df["dollar_size"] = df["entry_price_c"] * df["size"] / 100
g = df.groupby("sport").agg(pnl=("dollar_pnl","sum"), cost=("dollar_size","sum"), n=("dollar_pnl","count"))
g["roi_30d"] = g["pnl"] / g["cost"]
print(json.dumps({"ms": (time.perf_counter()-t0)*1000, "n": int(g["n"].sum())}))
`;
    const r = spawnSync('/usr/bin/time', ['-f', '%M', '/usr/bin/python3', '-c', src, log], {
      encoding: 'utf8',
    });
    if (r.status === 0) {
      const p = JSON.parse(r.stdout) as { ms: number; n: number };
      const rss = Number(r.stderr.trim().split('\n').pop()) / 1024;
      const ours = child(log, join(dir, 'c.json'), '-');
      row(
        'seed pandas evaluator (1.01M lines)',
        `${p.ms.toFixed(0)} ms`,
        `peak RSS ${rss.toFixed(0)} MB`,
        `Warden ${(p.ms / ours.ms).toFixed(1)}x faster, ${(rss / ours.maxRssMb).toFixed(1)}x less memory`,
      );
    } else console.log('pandas run failed:', r.stderr.slice(0, 200));
  } else console.log('python3-pandas not available: skipped the seed comparison');

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
console.log('\n| benchmark | time | figure | note |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
