// Seed 000's pandas evaluator, run by whichever python3 on this machine has pandas: the
// comparison row of bench/strategy.bench.ts and bench/seed-pandas.bench.ts.
import { spawnSync } from 'node:child_process';

/** A python3 that imports pandas, and pandas' version. */
export interface PandasPython {
  readonly python: string;
  readonly pandas: string;
}

/**
 * The first python3 that imports pandas: `$WARDEN_BENCH_PYTHON`, the `python3` on PATH (which
 * may be pyenv's, without pandas), then Debian's `/usr/bin/python3` (`apt-get install
 * python3-pandas`) and `/usr/local/bin/python3`. `tried` lists every candidate when none has it.
 */
export function findPandasPython(): { found: PandasPython } | { found: null; tried: string[] } {
  const onPath = spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' }).stdout.trim();
  const candidates = [
    process.env['WARDEN_BENCH_PYTHON'],
    onPath,
    '/usr/bin/python3',
    '/usr/local/bin/python3',
  ];
  const tried: string[] = [];
  for (const python of candidates) {
    if (python === undefined || python === '' || tried.includes(python)) continue;
    tried.push(python);
    const r = spawnSync(python, ['-c', 'import pandas; print(pandas.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { found: { python, pandas: r.stdout.trim() } };
  }
  return { found: null, tried };
}

/** The seed's evaluator (seed 000's pandas code, as given), timed inside Python and printing each group. */
const SEED_EVALUATOR = `
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
ms = (time.perf_counter()-t0)*1000
groups = {k: {"n": int(r["n"]), "roi": float(r["roi_30d"])} for k, r in g.iterrows()}
print(json.dumps({"ms": ms, "groups": groups}))
`;

/** One run of the seed's evaluator on `log`: its own time (after start-up and `import pandas`), the process's wall, CPU and peak RSS. */
export interface SeedPandasRun {
  readonly scriptMs: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly rssMb: number;
  readonly groups: Record<string, { n: number; roi: number }>;
}

export function runSeedPandas(python: string, log: string): SeedPandasRun {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', python, '-c', SEED_EVALUATOR, log], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const wallMs = performance.now() - t;
  if (r.status !== 0) throw new Error(`seed pandas evaluator failed: ${r.stderr.slice(0, 400)}`);
  const [rssKb, user, sys] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  const out = JSON.parse(r.stdout) as { ms: number; groups: SeedPandasRun['groups'] };
  return {
    scriptMs: out.ms,
    wallMs,
    cpuMs: ((user as number) + (sys as number)) * 1000,
    rssMb: (rssKb as number) / 1024,
    groups: out.groups,
  };
}

/** Whether pandas' groups, counts and ROIs are Warden's (ROI to 1e-9 relative: pandas sums in its own order). */
export function agreesWith(
  p: SeedPandasRun,
  sports: Record<string, { n_30d: number; roi_30d: number | null }>,
): string {
  const keys = Object.keys(p.groups);
  if (keys.length !== Object.keys(sports).length)
    return `DIFFER: pandas ${keys.length} groups, Warden ${Object.keys(sports).length}`;
  for (const k of keys) {
    const a = p.groups[k]!;
    const b = sports[k];
    if (b === undefined || b.n_30d !== a.n || Math.abs((b.roi_30d ?? NaN) - a.roi) > 1e-9 * Math.abs(a.roi))
      return `DIFFER on ${k}: pandas n=${a.n} roi=${a.roi}, Warden ${JSON.stringify(b)}`;
  }
  return `results agree (${keys.length} groups)`;
}
