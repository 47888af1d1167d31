// Issue 8, item 11: DLQ transitions are compare-and-set between two real actors (two
// connections to one SQLite file, as two processes have), and the growth alert fires once per
// growth episode.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ExchangeSimulator, InProcessExchange, type Exchange } from '../exchange/index.js';
import { RetryPolicy, TimeoutPolicy, constantBackoff, wrap, type Timers } from '../resilience/index.js';
import { SqliteStore } from '../store/index.js';
import { ManualClock } from '../util/clock.js';
import { CollectingAlerts } from '../util/test-collector.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { Executor } from './executor.js';
import { classifyOrderFailure } from './executor-options.js';
import { createSqliteOrderStores, type SqliteOrderStores } from '../store/sqlite/sqlite-order-stores.js';
import type { OrderIntent } from './types.js';

const SYMBOL = 'BTC/USDT';
const timers: Timers = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Side {
  readonly store: SqliteStore;
  readonly stores: SqliteOrderStores;
  readonly dlq: DeadLetterQueue;
}

let dir: string;
let clock: ManualClock;
let sim: ExchangeSimulator;
let a: Side; // the replayer's connection
let b: Side; // the person's connection
let gate: { open: Promise<void>; release: () => void };

function side(file: string): Side {
  const store = SqliteStore.open(file);
  const stores = createSqliteOrderStores(store.database);
  return { store, stores, dlq: new DeadLetterQueue(stores.dlq, { clock }) };
}

function newGate() {
  let release!: () => void;
  const open = new Promise<void>((r) => (release = r));
  return { open, release };
}

/** The venue, with every createOrder held until the test opens the gate. */
function gatedExchange(): Exchange {
  const inner = new InProcessExchange(sim, { recvWindowMs: 50 });
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'createOrder')
        return async (...args: Parameters<Exchange['createOrder']>) => {
          await gate.open;
          return target.createOrder(...args);
        };
      const v: unknown = Reflect.get(target, prop);
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
    },
  });
}

function executor(s: Side, exchange: Exchange, alerts = new CollectingAlerts(), threshold = 10): Executor {
  return new Executor({
    exchange,
    orders: s.stores.orders,
    dlq: s.stores.dlq,
    symbols: [SYMBOL],
    gate: () => ({ allow: true, reason: 'running' }),
    policy: wrap(
      new RetryPolicy({
        sideEffect: true,
        maxAttempts: 3,
        backoff: constantBackoff(1),
        classify: classifyOrderFailure,
        timers,
      }),
      new TimeoutPolicy({ ms: 2_000, mode: 'abandon', timers }),
    ),
    lookupBackoff: constantBackoff(1),
    clockMarginMs: 0,
    dlqAlertThreshold: threshold,
    alerts,
    clock,
    timers,
  });
}

const intent = (key: string, amount = 1): OrderIntent => ({
  idempotencyKey: key,
  symbol: SYMBOL,
  side: 'buy',
  type: 'market',
  amount,
});

/** A dead intent with an open DLQ entry: three 503s in a row. */
async function deadEntry(key: string): Promise<number> {
  gate.release();
  sim.faults.injectNext('http_5xx', { operation: 'createOrder', times: 3 });
  const r = await executor(a, gatedExchange()).submit(intent(key));
  assert.equal(r.status, 'dead');
  gate = newGate();
  return r.status === 'dead' ? (r.dlqId ?? 0) : 0;
}

async function statusSeenBy(s: Side, id: number, status: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if ((await s.dlq.show(id)).status === status) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`entry ${id} never became ${status}`);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-dlq-'));
  clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
  sim = new ExchangeSimulator({
    markets: [{ symbol: SYMBOL, mid: 100, spreadBps: 10 }],
    balances: { USDT: 1e9, BTC: 1e6 },
    clock,
    faults: { retryAfterMs: 1 },
  });
  const file = join(dir, 'warden.db');
  a = side(file);
  b = side(file);
  gate = newGate();
});

afterEach(async () => {
  gate.release();
  for (const s of [a, b]) {
    await s.stores.close();
    await s.store.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('DeadLetterQueue: resolve vs replay, two connections', () => {
  it('a resolve while a replay is in flight is refused; the replay places the order and its note stands', async () => {
    const id = await deadEntry('k1');
    const replay = a.dlq.replay(id, executor(a, gatedExchange()));
    await statusSeenBy(b, id, 'replaying'); // the replay holds the entry, seen through the other connection
    await assert.rejects(b.dlq.resolve(id, 'placed by hand'), {
      code: 'E_DLQ_ENTRY',
      message: /a replay is in flight/,
    });
    gate.release();
    const out = await replay;
    assert.equal(out.result.status, 'placed');
    const e = await b.dlq.show(id);
    assert.equal(e.status, 'replayed');
    assert.match(e.note ?? '', /^replayed: placed as /);
    assert.equal(sim.allOrders().length, 1);
  });

  it('a resolved entry is never replayed: nothing is sent and the note stays', async () => {
    const id = await deadEntry('k2');
    const before = sim.allOrders().length;
    await b.dlq.resolve(id, 'placed by hand');
    gate.release();
    await assert.rejects(a.dlq.replay(id, executor(a, gatedExchange())), {
      code: 'E_DLQ_ENTRY',
      message: /already resolved/,
    });
    assert.equal(sim.allOrders().length, before);
    const e = await a.dlq.show(id);
    assert.equal(e.status, 'resolved');
    assert.equal(e.note, 'placed by hand');
  });

  it('replay and resolve started together: exactly one wins, every time', async () => {
    for (let round = 0; round < 8; round++) {
      const id = await deadEntry(`race-${round}`);
      const orders = sim.allOrders().length;
      gate.release();
      const [rp, rs] = await Promise.allSettled([
        a.dlq.replay(id, executor(a, gatedExchange())),
        b.dlq.resolve(id, 'placed by hand'),
      ]);
      const replayed = rp.status === 'fulfilled' && rp.value.result.status === 'placed';
      const resolved = rs.status === 'fulfilled';
      assert.equal(Number(replayed) + Number(resolved), 1, `round ${round}: exactly one wins`);
      const e = await b.dlq.show(id);
      assert.equal(e.status, replayed ? 'replayed' : 'resolved');
      assert.equal(sim.allOrders().length, orders + (replayed ? 1 : 0));
      if (resolved) assert.equal(e.note, 'placed by hand', 'the note is not overwritten');
      gate = newGate();
    }
  });
});

describe('DLQ growth alert', () => {
  it('fires once per growth episode: again after the queue drained below the threshold and grew past it', async () => {
    gate.release();
    const alerts = new CollectingAlerts(); // one alert per incident key, as the outbox does
    const ex = executor(a, gatedExchange(), alerts, 2);
    // the DLQ-size alerts only (each rejection also has its own, grouped alert)
    const size = () => alerts.alerts.filter((x) => x.key.startsWith('orders.dlq.size.'));
    const reject = async (key: string) => {
      const r = await ex.submit(intent(key, 1e12)); // more than the balance: rejected, into the DLQ
      assert.equal(r.status, 'rejected');
      return (await a.stores.dlq.openFor(key))!.id;
    };
    const ids = [await reject('r1'), await reject('r2')];
    assert.equal(size().length, 0, 'at the threshold: no alert');
    ids.push(await reject('r3'), await reject('r4'));
    assert.equal(size().length, 1, 'past it: one alert for the whole episode');
    await b.dlq.resolve(ids[0]!, 'handled'); // 3 open: still past the threshold
    await reject('r5');
    assert.equal(size().length, 1, 'the same episode');
    for (const id of ids.slice(1, 3)) await b.dlq.resolve(id, 'handled'); // 2 open: the episode ends
    assert.equal(await a.stores.dlq.countOpen(), 2);
    await reject('r6');
    assert.equal(size().length, 2, 'a new episode alerts again');
    assert.notEqual(size()[0]?.key, size()[1]?.key);
    assert.match(size()[1]?.title ?? '', /holds 3 open entries/);
  });
});
