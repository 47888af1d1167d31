// Seed 000's pandas evaluator beside `warden evaluate --full` in the same run, on one 1M-line
// seed-format log: seconds, peak RSS and CPU of each process, results compared. The same row as
// section 4 of bench/strategy.bench.ts, without the rest of that bench.
// Run: npm run build && npx tsx bench/seed-pandas.bench.ts
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticLog } from '../src/strategy/index.js';
import { agreesWith, findPandasPython, runSeedPandas } from './helpers/seed-pandas.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
console.log(`start ${new Date().toISOString()}, load average ${load()}`);
const py = findPandasPython();
if (py.found === null) {
  console.log(
    `SKIPPED: no python3 with pandas (tried ${py.tried.join(', ')}); apt-get install python3-pandas, or set WARDEN_BENCH_PYTHON`,
  );
  process.exit(0);
}
console.log(`pandas ${py.found.pandas} from ${py.found.python}`);
const dir = mkdtempSync(join(tmpdir(), 'warden-bench-pandas-'));
try {
  const log = join(dir, 't.jsonl');
  writeSyntheticLog(log, { lines: 1_000_000, strategies: 10, days: 30, seed: 1 });
  const t = performance.now();
  const args = [join(ROOT, 'bin', 'warden.js'), 'evaluate', '--data-dir', join(dir, 'data'), '--trades', log];
  args.push('--state', join(dir, 's.json'), '--now', '2026-05-05T03:49:00.000Z', '--state-key', 'sports');
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', process.execPath, ...args, '--json', '--full'], {
    encoding: 'utf8',
    cwd: ROOT,
    maxBuffer: 1 << 26,
  });
  const wardenMs = performance.now() - t;
  if (r.status !== 0) throw new Error(`warden evaluate: ${r.stderr}`);
  const [rssKb, user, sys] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  const w = {
    ms: wardenMs,
    rssMb: (rssKb as number) / 1024,
    cpuMs: ((user as number) + (sys as number)) * 1000,
    sports: (JSON.parse(r.stdout) as { sports: Parameters<typeof agreesWith>[1] }).sports,
  };
  const p = runSeedPandas(py.found.python, log);
  const mb = statSync(log).size / 1e6;
  console.log(
    `\n| 1M lines (${mb.toFixed(0)} MB), one run each | wall | peak RSS | CPU (user + sys) | note |`,
  );
  console.log('|---|---:|---:|---:|---|');
  console.log(
    `| \`warden evaluate --full\`, start-up included | ${w.ms.toFixed(0)} ms | ${w.rssMb.toFixed(0)} MB | ${w.cpuMs.toFixed(0)} ms | |`,
  );
  console.log(
    `| seed 000's pandas evaluator (pandas ${py.found.pandas}) | ${p.wallMs.toFixed(0)} ms | ${p.rssMb.toFixed(0)} MB | ${p.cpuMs.toFixed(0)} ms | its own timer (after start-up and import) ${p.scriptMs.toFixed(0)} ms; ${agreesWith(p, w.sports)} |`,
  );
  console.log(
    `| ratio pandas / Warden | **${(p.wallMs / w.ms).toFixed(2)}x** | **${(p.rssMb / w.rssMb).toFixed(2)}x** | **${(p.cpuMs / w.cpuMs).toFixed(2)}x** | > 1: Warden is faster / smaller |`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`end ${new Date().toISOString()}, load average ${load()}`);
