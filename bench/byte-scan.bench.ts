// The byte parser's `scan` alone: CPU time per line over 1M seed-format lines in memory (the
// loop `jsonBlock` runs, without the file, the checks of a block or the records), beside a bare
// loop over the same bytes (a floor: one load and compare a byte), medians by process CPU time.
// Run: npx tsx bench/byte-scan.bench.ts [rounds]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FIELDS } from '../src/strategy/evaluate/evaluation-options.js';
import { ByteLine, ByteLineParser, UNSURE } from '../src/strategy/trade-log/byte-line-parser.js';
import { writeSyntheticLog } from '../src/strategy/trade-log/synthetic-log.js';

const rounds = Number(process.argv[2] ?? 15);
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
console.log(`start ${new Date().toISOString()}, load average ${load()}`);
const dir = mkdtempSync(join(tmpdir(), 'warden-bench-scan-'));
const path = join(dir, 't.jsonl');
writeSyntheticLog(path, { lines: 1_000_000, strategies: 10, days: 30, seed: 1 });
const buf = readFileSync(path);
rmSync(dir, { recursive: true, force: true });

const cpu = (f: () => number): [number, number] => {
  const t = process.cpuUsage();
  const r = f();
  const u = process.cpuUsage(t);
  return [(u.user + u.system) / 1000, r];
};
const scanAll = (): number => {
  const p = new ByteLineParser(DEFAULT_FIELDS, 'sport').forPiece(Infinity);
  const view = ByteLineParser.viewOf(buf);
  let sum = 0;
  for (let a = 0; a < buf.length;) {
    const e = p.scan(buf, a, view);
    if (e === UNSURE) throw new Error(`the fast path is unsure of the line at ${a}`);
    if (p.kind === ByteLine.Trade) sum += p.groupId(buf) + p.pnl * p.size + p.entry * p.size;
    a = e + 1;
  }
  return sum;
};
const bare = (): number => {
  let n = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 34) n++;
  return n;
};
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1] as number;
const s: number[] = [];
const z: number[] = [];
for (let k = 0; k < rounds; k++) {
  s.push(cpu(scanAll)[0]);
  z.push(cpu(bare)[0]);
}
const ms = median(s);
const lines = 1e6;
console.log(
  `scan, 1M seed lines (${(buf.length / 1e6).toFixed(0)} MB)  |  ${ms.toFixed(1)} ms CPU  |  ${((ms * 1e6) / lines).toFixed(0)} ns/line  |  median of ${rounds}`,
);
console.log(
  `bare loop over the same bytes  |  ${median(z).toFixed(1)} ms CPU  |  scan / bare ${(ms / median(z)).toFixed(2)}x`,
);
console.log(`end ${new Date().toISOString()}, load average ${load()}`);
