// The decision log: appends with group commit (chained, hashed, fsync'd every 10 ms) beside the
// naive durable design (JSON.stringify + write + fsync per record) and beside pino writing JSON
// lines to a file with pino.destination({sync: false}) (the fastest JSON-lines writer there is,
// but no chain and no fsync). Each appender writes the same gate decisions and yields to the event
// loop every 1,000 records, as a bot would. Then `warden log verify` throughput in lines/s.
// Medians of ROUNDS rounds.   npx tsx bench/decisions.bench.ts
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import pino from 'pino';
import { DecisionLog, listSegments, verifyDecisionLog } from '../src/decisions/index.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const N = Number(process.env.N ?? 100_000);
const NAIVE_N = Number(process.env.NAIVE_N ?? 1_000);
const dir = mkdtempSync(join(tmpdir(), 'warden-bench-dlog-'));

/** A gate decision as the gate would log it: the intent and each layer's verdict with its inputs. */
function decision(i: number) {
  return {
    allow: i % 7 !== 0,
    reason: i % 7 === 0 ? 'strategy_blocked' : 'ok',
    intent: {
      symbol: 'BTC/USDT',
      side: i % 2 ? 'sell' : 'buy',
      amount: 0.001 * (1 + (i % 9)),
      price: 61234.5 + (i % 100),
    },
    layers: [
      { layer: 'killswitch', verdict: 'allow', inputs: { halted: false, version: 12 } },
      {
        layer: 'strategy',
        verdict: i % 7 ? 'allow' : 'deny',
        inputs: { key: 'momo', status: i % 7 ? 'active' : 'blocked' },
      },
      { layer: 'freshness', verdict: 'allow', inputs: { ageMs: i % 250 } },
    ],
  };
}
const records = Array.from({ length: 1000 }, (_, i) => decision(i));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function warden(round: number): Promise<number> {
  const d = join(dir, `warden-${round}`);
  const log = DecisionLog.open({ dir: d, flushIntervalMs: 10 });
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    log.append({ kind: 'gate', by: 'gate', data: records[i % 1000] });
    if (i % 1000 === 999) await tick();
  }
  await log.flush();
  const s = (performance.now() - t0) / 1000;
  await log.close();
  return N / s;
}

async function naive(round: number): Promise<number> {
  const fd = openSync(join(dir, `naive-${round}.jsonl`), 'a');
  let prev = '';
  const t0 = performance.now();
  for (let i = 0; i < NAIVE_N; i++) {
    writeSync(fd, `${JSON.stringify({ seq: i + 1, prev, kind: 'gate', data: records[i % 1000] })}\n`);
    fsyncSync(fd);
    prev = String(i);
    if (i % 1000 === 999) await tick();
  }
  const s = (performance.now() - t0) / 1000;
  closeSync(fd);
  return NAIVE_N / s;
}

async function pinoFile(round: number): Promise<number> {
  const dest = pino.destination({ dest: join(dir, `pino-${round}.jsonl`), sync: false });
  const logger = pino({ base: null, timestamp: pino.stdTimeFunctions.epochTime }, dest);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    logger.info({ kind: 'gate', data: records[i % 1000] });
    if (i % 1000 === 999) await tick();
  }
  await new Promise<void>((resolve, reject) => dest.flush((err) => (err ? reject(err) : resolve())));
  const s = (performance.now() - t0) / 1000;
  dest.end();
  return N / s;
}

const w: number[] = [];
const nv: number[] = [];
const pn: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  w.push(await warden(r));
  nv.push(await naive(r));
  pn.push(await pinoFile(r));
}
const logDir = join(dir, 'warden-0');
const bytes = listSegments(logDir).reduce((n, s) => n + statSync(s.path).size, 0);
const vf: number[] = [];
const vs: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  let t0 = performance.now();
  const v = verifyDecisionLog(logDir);
  if (!v.ok || v.lines !== N) throw new Error(`verify failed: ${JSON.stringify(v)}`);
  vf.push(N / ((performance.now() - t0) / 1000));
  t0 = performance.now();
  if (!verifyDecisionLog(logDir, { strict: true }).ok) throw new Error('strict verify failed');
  vs.push(N / ((performance.now() - t0) / 1000));
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(11);
console.log(
  `${N.toLocaleString('en-US')} gate decisions of ~${Math.round(bytes / N)} bytes/line, ${ROUNDS} rounds (medians), ${tmpdir()}, node ${process.version}`,
);
console.log(`| ${'appender'.padEnd(58)} | records/s   | vs fsync/record |`);
console.log(`|${'-'.repeat(60)}|-------------|-----------------|`);
const row = (name: string, xs: number[]): void =>
  console.log(
    `| ${name.padEnd(58)} | ${fmt(median(xs))} | ${(median(xs) / median(nv)).toFixed(1).padStart(14)}x |`,
  );
row('fsync per record (naive durable design)', nv);
row("Warden DecisionLog, group commit (chained, fsync'd)", w);
row('pino.destination({sync:false}) (no chain, no fsync)', pn);
console.log(`Warden / pino: ${(median(w) / median(pn)).toFixed(2)}x`);
console.log(`| ${'verify'.padEnd(58)} | lines/s     |`);
console.log(`| ${'warden log verify (hash + chain)'.padEnd(58)} | ${fmt(median(vf))} |`);
console.log(
  `| ${'warden log verify --strict (+ JSON parse, canonical check)'.padEnd(58)} | ${fmt(median(vs))} |`,
);
console.log(
  `targets: appends ≥ 100,000/s ${median(w) >= 100_000 ? 'met' : 'NOT met'}, verify ≥ 500,000 lines/s ${median(vf) >= 500_000 ? 'met' : 'NOT met'}`,
);
rmSync(dir, { recursive: true, force: true });
