// Checkpoint save of a ~1 MB state, durable (temp file, fsync, rename, directory fsync,
// SHA-256 header), beside the naive writeFileSync without fsync and writeFileSync + fsync.
// Every variant serializes the same state with JSON.stringify, so the ratios compare the
// writes. Then the load of the latest checkpoint beside a plain readFileSync + JSON.parse.
//   npx tsx bench/checkpoint.bench.ts
import {
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStore } from '../src/checkpoint/index.js';

const ROUNDS = Number(process.env.ROUNDS ?? 50);
const dir = mkdtempSync(join(tmpdir(), 'warden-bench-ckpt-'));

/** A bot's state of about 1 MB: positions, open orders, recent fills. */
function makeState(round: number): unknown {
  const orders = [];
  for (let i = 0; i < 5600; i++) {
    orders.push({
      clientOrderId: `wd-20261124-${round}-${i.toString(36).padStart(6, '0')}`,
      symbol: i % 3 === 0 ? 'BTC/USDT' : 'ETH/USDT',
      side: i % 2 === 0 ? 'buy' : 'sell',
      price: 61234.5 + i * 0.25,
      amount: 0.001 * (1 + (i % 17)),
      status: 'open',
      createdAt: 1_764_000_000_000 + i,
    });
  }
  const fills = [];
  for (let i = 0; i < 2000; i++)
    fills.push({ id: i, px: 3001.25 + i, qty: 0.5, fee: 0.0012, ts: 1_764_000_000_000 + i });
  return {
    round,
    positions: { BTC: { size: 0.75, entry: 61000 }, ETH: { size: -3, entry: 3010 } },
    orders,
    fills,
  };
}

const states = Array.from({ length: ROUNDS }, (_, i) => makeState(i));
const bytes = Buffer.byteLength(JSON.stringify(states[0]));

function time(fn: (i: number) => void): number[] {
  fn(0); // warm-up
  const out: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out.sort((a, b) => a - b);
}
const q = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

const naivePath = join(dir, 'naive.json');
const naive = time((i) => writeFileSync(naivePath, JSON.stringify(states[i])));
const syncedPath = join(dir, 'synced.json');
const synced = time((i) => {
  const fd = openSync(syncedPath, 'w');
  try {
    writeSync(fd, JSON.stringify(states[i]));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
});
const stringify = time((i) => void JSON.stringify(states[i]));
const store = CheckpointStore.open(join(dir, 'ckpt'), { keep: 5 });
const save = time((i) => void store.save(states[i]));
const unpruned = CheckpointStore.open(join(dir, 'ckpt-all'), { keep: 1000 });
const saveNoPrune = time((i) => void unpruned.save(states[i]));
// The two syncs alone, on a fresh 1 MB file each time, so the table shows where the time goes.
const raw = Buffer.from(JSON.stringify(states[0]));
let n = 0;
const fsyncOnly: number[] = [];
const dirFsyncOnly: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const fd = openSync(join(dir, `raw-${n++}`), 'w');
  writeSync(fd, raw);
  let t0 = process.hrtime.bigint();
  fsyncSync(fd);
  fsyncOnly.push(Number(process.hrtime.bigint() - t0) / 1e6);
  closeSync(fd);
  const dfd = openSync(dir, 'r');
  t0 = process.hrtime.bigint();
  fsyncSync(dfd);
  dirFsyncOnly.push(Number(process.hrtime.bigint() - t0) / 1e6);
  closeSync(dfd);
}
fsyncOnly.sort((a, b) => a - b);
dirFsyncOnly.sort((a, b) => a - b);

const load = time(() => {
  if (store.loadLatest() === null) throw new Error('no checkpoint');
});
const plainLoad = time(() => void JSON.parse(readFileSync(syncedPath, 'utf8')));

const row = (name: string, xs: number[], base?: number[]): string =>
  `| ${name.padEnd(46)} | ${q(xs, 0.5).toFixed(2).padStart(7)} | ${q(xs, 0.9).toFixed(2).padStart(7)} | ${
    base ? `${(q(xs, 0.5) / q(base, 0.5)).toFixed(2)}x` : ''
  } |`;
console.log(
  `state: ${(bytes / 1e6).toFixed(2)} MB of JSON, ${ROUNDS} rounds, ${tmpdir()}, node ${process.version}`,
);
console.log(`| ${'operation'.padEnd(46)} | median ms | p90 ms | vs naive |`);
console.log(`|${'-'.repeat(48)}|---------|---------|----------|`);
console.log(row('JSON.stringify alone', stringify, naive));
console.log(row('writeFileSync, no fsync (naive, not durable)', naive, naive));
console.log(row('writeFileSync + fsync (durable, not atomic)', synced, naive));
console.log(row('CheckpointStore.save (atomic, durable, sha256)', save, naive));
console.log(row('  same, keep 1000 (nothing to unlink)', saveNoPrune, naive));
console.log(row('  of which: fsync of a new 1 MB file', fsyncOnly, naive));
console.log(row('  of which: fsync of the directory', dirFsyncOnly, naive));
console.log(row('readFileSync + JSON.parse', plainLoad, plainLoad));
console.log(row('CheckpointStore.loadLatest (verify + parse)', load, plainLoad));
const med = q(save, 0.5);
console.log(
  `save median ${med.toFixed(2)} ms: ${med < 5 ? 'under' : 'OVER'} the 5 ms target; ` +
    `without JSON.stringify (what the store adds: hash, temp write, fsync, rename, dir fsync) ` +
    `~${(med - q(stringify, 0.5)).toFixed(2)} ms`,
);
rmSync(dir, { recursive: true, force: true });
