// The halt check a bot makes before every order: Warden's cached, pushed state beside the
// seed's reader (seed 001: stat + read + parse circuit.json on every call; seed 000's style:
// stat on every call, re-read only when the mtime moved). One process, medians of rounds.
//   npx tsx bench/killswitch.bench.ts
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchSink, nsPerOp, seedStatReader } from './helpers/seed-reader.js';
import { SqliteStore } from '../src/store/index.js';
import { KillSwitch } from '../src/killswitch/index.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-ks-'));
const store = SqliteStore.open(join(dir, 'warden.db'));
const ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 1000 });
const circuit = join(dir, 'seed-circuit.json');
writeFileSync(circuit, JSON.stringify({ paused: false, reason: null, since: null }));

// Seed 001's check_circuit(): exists + read + parse per call.
function seedCheck(): boolean {
  if (!existsSync(circuit)) return true;
  return !(JSON.parse(readFileSync(circuit, 'utf8')) as { paused?: boolean }).paused;
}
const statCheck = seedStatReader(circuit);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const cases: [string, () => boolean, number][] = [
  ['warden isHalted()', () => !ks.isHalted(), 10_000_000],
  ["warden allows('new_risk')", () => ks.allows('new_risk').allow, 10_000_000],
  ['seed 000 style: stat per call', statCheck, 100_000],
  ['seed 001: read + parse per call', seedCheck, 50_000],
];
const results = new Map<string, number[]>();
for (let round = 0; round < 7; round++) {
  for (const [name, fn, n] of cases) {
    const ns = nsPerOp(fn, n);
    if (round > 0) results.set(name, [...(results.get(name) ?? []), ns]);
  }
}
const base = median(results.get('warden isHalted()')!);
console.log('halt check, median of 6 rounds (ns per check; ratio to warden isHalted())');
for (const [name] of cases) {
  const m = median(results.get(name)!);
  console.log(`  ${name.padEnd(34)} ${m.toFixed(1).padStart(9)} ns   x${(m / base).toFixed(1)}`);
}
console.log(`(sink ${benchSink()})`);
await ks.close();
await store.close();

// System calls per check: the same program under strace with 0 and with 1,000,000 checks.
import { spawnSync } from 'node:child_process';
function syscalls(n: number): number | null {
  const out = join(dir, `strace-${n}.txt`);
  const r = spawnSync(
    'strace',
    ['-f', '-c', '-o', out, process.execPath, '--import', 'tsx', 'bench/helpers/halt-loop.ts', String(n)],
    {
      encoding: 'utf8',
    },
  );
  if (r.error || r.status !== 0) return null;
  const total = readFileSync(out, 'utf8')
    .split('\n')
    .find((l) => /\btotal$/.test(l.trim()));
  const cols = total?.trim().split(/\s+/);
  return cols ? Number(cols[3]) : null;
}
const s0 = syscalls(0);
const s1 = syscalls(1_000_000);
if (s0 === null || s1 === null) console.log('strace not available: system calls per check not measured');
else
  console.log(
    `system calls: ${s0} with 0 checks, ${s1} with 1,000,000 checks -> ${((s1 - s0) / 1e6).toFixed(6)} per check`,
  );
