import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  ExchangeSimulator,
  InProcessExchange,
  type CallOptions,
  type CreateOrderRequest,
  type Exchange,
} from '../exchange/index.js';
import { createSqliteOrderStores, type SqliteOrderStores } from '../orders/index.js';
import { SqliteStore } from '../store/index.js';
import { exchangeFlattenHook, flattenKey } from './exchange-flatten.js';

const never = new AbortController().signal;

describe('exchangeFlattenHook (built-in flatten) on the simulator', () => {
  let dir: string;
  let store: SqliteStore;
  let stores: SqliteOrderStores;
  let sim: ExchangeSimulator;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-flatten-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
    stores = createSqliteOrderStores(store.database);
    sim = new ExchangeSimulator({
      markets: [
        { symbol: 'BTC/USDT', mid: 100 },
        { symbol: 'ETH/USDT', mid: 10 },
      ],
      balances: { USDT: 1e9, BTC: 1e3, ETH: 1e4 },
      positions: { 'BTC/USDT': { amount: 3, entryPrice: 90 }, 'ETH/USDT': { amount: -2, entryPrice: 11 } },
    });
    sim.placeOrder({
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      amount: 1,
      price: 50,
      clientOrderId: 'rest1',
    });
    sim.placeOrder({
      symbol: 'ETH/USDT',
      side: 'sell',
      type: 'limit',
      amount: 1,
      price: 50,
      clientOrderId: 'rest2',
    });
  });

  afterEach(async () => {
    await stores.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const hook = () =>
    exchangeFlattenHook({ exchange: new InProcessExchange(sim), orders: stores.orders, dlq: stores.dlq });

  it('cancels every open order, closes every position with reduce-only market orders, and says so', async () => {
    const r = await hook()({ reason: 'test', signal: never, haltKey: 7 });
    assert.equal(r.ok, true, r.detail);
    assert.match(r.detail, /canceled 2 open order/);
    assert.deepEqual(sim.openOrders(), []);
    assert.deepEqual(sim.positions(), []);
    const closing = sim.allOrders().filter((o) => o.type === 'market');
    assert.deepEqual(closing.map((o) => [o.symbol, o.side, o.amount]).sort(), [
      ['BTC/USDT', 'sell', 3],
      ['ETH/USDT', 'buy', 2],
    ]);
    // claimed and logged by the executor under the halt's keys
    const rec = await stores.orders.get(flattenKey(7, { symbol: 'BTC/USDT', amount: 3, entryPrice: null }));
    assert.equal(rec?.state, 'placed');
  });

  it('a repeated flatten of the same halt sends nothing more', async () => {
    assert.equal((await hook()({ reason: 'a', signal: never, haltKey: 8 })).ok, true);
    const n = sim.allOrders().length;
    const again = await hook()({ reason: 'a', signal: never, haltKey: 8 });
    assert.equal(again.ok, true, again.detail);
    assert.equal(sim.allOrders().length, n);
  });

  it('two flattens of the same halt at once (daemon and CLI) place one closing order per position, even where the venue ignores reduce-only', async () => {
    // a spot venue has no reduce-only: only the per-halt keys keep the second flatten from doubling
    const lax = (): Exchange => {
      const ex = new InProcessExchange(sim);
      return new Proxy(ex, {
        get(t, prop) {
          if (prop === 'createOrder')
            return (r: CreateOrderRequest, o?: CallOptions) => t.createOrder({ ...r, reduceOnly: false }, o);
          const v = Reflect.get(t, prop) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
        },
      });
    };
    const laxHook = () => exchangeFlattenHook({ exchange: lax(), orders: stores.orders, dlq: stores.dlq });
    const [a, b] = await Promise.all([
      laxHook()({ reason: 'x', signal: never, haltKey: 9 }),
      laxHook()({ reason: 'x', signal: never, haltKey: 9 }),
    ]);
    assert.ok(a.ok || b.ok, `${a.detail} / ${b.detail}`);
    assert.equal(sim.allOrders().filter((o) => o.type === 'market').length, 2);
    assert.deepEqual(sim.positions(), []);
  });

  it('a venue that fails mid-flatten: ok false with the error, positions left as they are', async () => {
    sim.faults.injectNext('http_5xx', { operation: 'fetchPositions', times: 100 });
    const r = await hook()({ reason: 'x', signal: never, haltKey: 10 });
    assert.equal(r.ok, false);
    assert.match(r.detail, /built-in flatten failed: ExchangeNotAvailable/);
    assert.deepEqual(sim.openOrders(), [], 'the orders were canceled before the failure');
    assert.equal(sim.positions().length, 2);
  });

  it('without a halt key nothing is sent', async () => {
    const r = await hook()({ reason: 'x', signal: never });
    assert.equal(r.ok, false);
    assert.equal(sim.openOrders().length, 2);
  });
});
