// A bot process for the orders process tests: submits intents through the real ccxt client to
// the HTTP simulator, with the SQLite store at `db` (or the PostgreSQL store `pg: {url, schema}`).
// Prints one JSON line per submit.
// Config in env ORDERS_JOB: { db | pg, url, keys?: string[], prefix?: string, count?: number,
//   type?: 'limit' | 'market' (default limit at 90, resting), concurrent?: boolean (all keys at once),
//   waitForGo?: boolean (submit only after a line on stdin), timeoutMs?: number (ccxt's, default 250),
//   killSwitch?: string (a data dir: the gate is a real kill switch over it and the store, not "always allow"),
//   stopAfterClaim?: boolean (after each claim, print {claimed: key} and SIGSTOP this process: frozen
//   between the gate's decision and the send, until the test sends SIGCONT) }.
import { createInterface } from 'node:readline';
import { CcxtExchange } from '../../src/exchange/index.js';
import { createSimulatedCcxt } from '../../src/exchange/ccxt-sim-client.js';
import { KillSwitch } from '../../src/killswitch/index.js';
import { Executor, defaultOrderPolicy, type OrderStore } from '../../src/orders/index.js';
import { constantBackoff } from '../../src/resilience/index.js';
import { SqliteStore, type Store } from '../../src/store/index.js';
import { afterClaim } from './after-claim.js';
import { SYMBOL, refTimers } from './orders-rig.js';

interface Job {
  readonly db?: string;
  readonly pg?: { readonly url: string; readonly schema: string };
  readonly url: string;
  readonly keys?: string[];
  readonly prefix?: string;
  readonly count?: number;
  readonly type?: 'limit' | 'market';
  readonly concurrent?: boolean;
  readonly waitForGo?: boolean;
  readonly timeoutMs?: number;
  readonly killSwitch?: string;
  readonly stopAfterClaim?: boolean;
}

const job = JSON.parse(process.env['ORDERS_JOB'] ?? '{}') as Job;
const keepAlive = setInterval(() => undefined, 1_000); // backoff timers are unref'd
const store: Store =
  job.pg === undefined
    ? SqliteStore.open(job.db!)
    : await (await import('../../src/store/postgres/pg-store.js')).PgStore.open(job.pg);
// Markets load with a generous timeout (a loaded machine can take seconds to parse them); the
// submits then run with the job's short one, so faults and timeouts happen where the test wants.
const client = await createSimulatedCcxt(job.url, { timeout: 10_000 });
const exchange = new CcxtExchange(client, { positions: 'none' });
const ks = job.killSwitch === undefined ? null : await KillSwitch.open({ store, dataDir: job.killSwitch });
const orders: OrderStore =
  job.stopAfterClaim === true
    ? afterClaim(store.orders, (key) => {
        process.stdout.write(`${JSON.stringify({ claimed: key })}\n`);
        process.kill(process.pid, 'SIGSTOP'); // frozen here until SIGCONT
      })
    : store.orders;
const executor = new Executor({
  exchange,
  orders,
  dlq: store.dlq,
  symbols: [SYMBOL],
  ...(ks === null ? { gate: () => ({ allow: true, reason: 'running' }) } : { killSwitch: ks }),
  policy: defaultOrderPolicy({ timers: refTimers }),
  lookupBackoff: constantBackoff(20),
  timers: refTimers,
});
const keys = job.keys ?? Array.from({ length: job.count ?? 100 }, (_, i) => `${job.prefix ?? 'k'}-${i}`);
// markets loaded before "ready", so the first submit is sent at once (the venue may inject faults here too)
for (let i = 0; ; i++) {
  try {
    await exchange.fetchTicker(SYMBOL);
    break;
  } catch (err) {
    if (i >= 50) throw err;
  }
}
client.timeout = job.timeoutMs ?? 250;
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);
if (job.waitForGo === true) {
  const rl = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => rl.once('line', () => resolve()));
  rl.close();
}
const submitOne = async (key: string): Promise<void> => {
  try {
    const r = await executor.submit({
      idempotencyKey: key,
      symbol: SYMBOL,
      side: 'buy',
      amount: 1,
      ...(job.type === 'market' ? { type: 'market' as const } : { type: 'limit' as const, price: 90 }),
    });
    process.stdout.write(
      `${JSON.stringify({ key, status: r.status, replayed: 'replayed' in r ? r.replayed : false })}\n`,
    );
  } catch (err) {
    process.stdout.write(
      `${JSON.stringify({ key, code: (err as { code?: string }).code ?? String(err) })}\n`,
    );
  }
};
if (job.concurrent === true) await Promise.all(keys.map(submitOne));
else for (const key of keys) await submitOne(key);
await ks?.close();
await store.close();
await exchange.close();
clearInterval(keepAlive);
