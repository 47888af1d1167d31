// Orders benchmarks: idempotent submit bookkeeping (persist pending durably, send to the
// in-process simulator, record the ack durably) with group commit vs one commit per write, and
// DLQ enqueue vs a connection-per-call design like seed 003's. SQLite with WAL and
// synchronous=FULL, as SqliteStore sets. Medians over rounds.
// Run: npx tsx bench/orders.bench.ts   (BENCH_ROUNDS=N to change the 5 rounds)
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExchangeSimulator, InProcessExchange } from '../src/exchange/index.js';
import { KillSwitch } from '../src/killswitch/index.js';
import { Executor, createSqliteOrderStores, type NewDlqEntry } from '../src/orders/index.js';
import { SqliteStore } from '../src/store/index.js';
import { DLQ_INSERT } from '../src/store/sqlite/sqlite-order-queries.js';

const ALLOW = Object.freeze({ allow: true, reason: 'running' });
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const SYMBOL = 'BTC/USDT';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

function freshDb() {
  const dir = mkdtempSync(join(tmpdir(), 'warden-orders-bench-'));
  const path = join(dir, 'warden.db');
  const store = SqliteStore.open(path);
  return {
    dir,
    path,
    store,
    done: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })),
  };
}

/** Orders per second through Executor.submit, `concurrency` submits in flight at once. */
async function submitRate(
  groupCommit: boolean,
  total: number,
  concurrency: number,
  round: number,
  killSwitch: 'none' | 'fresh' | 'cached' = 'none',
): Promise<number> {
  const db = freshDb();
  const stores = createSqliteOrderStores(db.store.database, { groupCommit });
  // with the kill switch as the gate, every send of new risk is confirmed by a fresh read of the
  // store and the STOP file first (Gate.confirm); concurrent reads are coalesced
  const ks =
    killSwitch !== 'none' ? await KillSwitch.open({ store: db.store, dataDir: db.dir, pollMs: 0 }) : null;
  const sim = new ExchangeSimulator({
    markets: [{ symbol: SYMBOL, mid: 100 }],
    balances: { USDT: 1e15, BTC: 1e9 },
  });
  const executor = new Executor({
    exchange: new InProcessExchange(sim),
    orders: stores.orders,
    dlq: stores.dlq,
    symbols: [SYMBOL],
    ...(ks === null
      ? { gate: () => ({ allow: true, reason: 'running' }) }
      : {
          killSwitch: ks,
          // the same gate without the fresh read, to show what the read costs
          ...(killSwitch === 'cached' ? { confirmBeforeSend: () => Promise.resolve(ALLOW) } : {}),
        }),
  });
  const start = performance.now();
  for (let base = 0; base < total; base += concurrency) {
    const batch: Promise<unknown>[] = [];
    for (let i = base; i < Math.min(total, base + concurrency); i++)
      batch.push(
        executor.submit({
          idempotencyKey: `r${round}-${i}`,
          symbol: SYMBOL,
          side: 'buy',
          type: 'market',
          amount: 0.001,
        }),
      );
    await Promise.all(batch);
  }
  const ms = performance.now() - start;
  const placed = db.store.database
    .prepare("SELECT count(*) AS n FROM order_intents WHERE state = 'placed'")
    .get() as { n: number };
  if (placed.n !== total) throw new Error(`bench: ${placed.n} placed of ${total}`);
  await ks?.close();
  await stores.close();
  await db.done();
  return (total / ms) * 1000;
}

const entry = (i: number): NewDlqEntry => ({
  idempotencyKey: `dlq-${i}`,
  clientOrderId: `c-${i}`,
  payload: '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":1}',
  errors: [{ at: 1, name: 'RequestTimeout', code: 'E_REQUEST_TIMEOUT', message: 'timed out' }],
  attempts: 3,
  errorClass: 'network/retries_exhausted',
  reason: 'failed: RequestTimeout',
  at: 1,
});

/** DLQ enqueues per second through SqliteDlqStore (shared connection, prepared statements). */
async function dlqRate(groupCommit: boolean, total: number, concurrency: number): Promise<number> {
  const db = freshDb();
  const stores = createSqliteOrderStores(db.store.database, { groupCommit });
  const start = performance.now();
  for (let base = 0; base < total; base += concurrency) {
    const batch: Promise<number>[] = [];
    for (let i = base; i < Math.min(total, base + concurrency); i++) batch.push(stores.dlq.enqueue(entry(i)));
    await Promise.all(batch);
  }
  const ms = performance.now() - start;
  await stores.close();
  await db.done();
  return (total / ms) * 1000;
}

/** Seed 003's design: open SQLite, insert, commit, close, for every call. */
function connectionPerCallRate(total: number): number {
  const db = freshDb();
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const e = entry(i);
    const conn = new Database(db.path);
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = FULL');
    conn
      .prepare(DLQ_INSERT)
      .run(
        e.idempotencyKey,
        e.clientOrderId,
        e.payload,
        JSON.stringify(e.errors),
        e.attempts,
        e.errorClass,
        e.reason,
        e.at,
        e.at,
      );
    conn.close();
  }
  const ms = performance.now() - start;
  void db.done();
  return (total / ms) * 1000;
}

const rows: [string, number, string][] = [];
const run = async (name: string, f: (round: number) => Promise<number> | number, target: string) => {
  const xs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) xs.push(await f(r));
  rows.push([name, median(xs), target]);
};

await run('submit, group commit (1000 in flight)', (r) => submitRate(true, 20_000, 1_000, r), '>= 20,000');
await run('submit, one commit per write (1000 in flight)', (r) => submitRate(false, 500, 1_000, r), '');
await run('submit, group commit, one at a time', (r) => submitRate(true, 500, 1, r), '');
for (const [ks, what] of [
  ['fresh', 'the kill switch, re-read before each send'],
  ['cached', 'the kill switch, cached only (no read before the send)'],
] as const) {
  await run(
    `submit via ${what}, group commit (1000 in flight)`,
    (r) => submitRate(true, 20_000, 1_000, r, ks),
    '',
  );
  await run(`submit via ${what}, one at a time`, (r) => submitRate(true, 500, 1, r, ks), '');
}
await run('DLQ enqueue, group commit (1000 in flight)', () => dlqRate(true, 20_000, 1_000), '>= 20,000');
await run('DLQ enqueue, one commit per call (shared connection)', () => dlqRate(false, 500, 1_000), '');
await run('DLQ enqueue, connection per call (seed 003)', () => connectionPerCallRate(300), '');

const dlqGroup = rows.find((r) => r[0].startsWith('DLQ enqueue, group'))![1];
const perConn = rows.find((r) => r[0].includes('connection per call'))![1];
process.stdout.write(
  `orders bench: Node ${process.version}, ${process.platform}/${process.arch}, medians of ${ROUNDS} rounds\n\n`,
);
process.stdout.write('| case | ops/s (median) | target |\n|---|---:|---|\n');
for (const [name, v, target] of rows) {
  const met = target === '' ? '' : v >= 20_000 ? `${target} met` : `${target} NO`;
  process.stdout.write(`| ${name} | ${Math.round(v).toLocaleString('en-US')} | ${met} |\n`);
}
process.stdout.write(
  `\nDLQ enqueue, group commit vs connection per call: ${(dlqGroup / perConn).toFixed(0)}x\n`,
);
