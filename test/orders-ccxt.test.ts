// The executor with the real SQLite store and the REAL ccxt client against the HTTP simulator.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CcxtExchange, type FaultKind } from '../src/exchange/index.js';
import { createSimulatedCcxt } from '../src/exchange/ccxt-sim-client.js';
import {
  DeadLetterQueue,
  Executor,
  createSqliteOrderStores,
  defaultOrderPolicy,
  type SqliteOrderStores,
} from '../src/orders/index.js';
import { constantBackoff } from '../src/resilience/index.js';
import { SqliteStore } from '../src/store/index.js';
import { SYMBOL, refTimers, startHttpSimulator } from './helpers/orders-rig.js';

describe('orders through the real ccxt client and the HTTP simulator', () => {
  let dir: string;
  let store: SqliteStore;
  let stores: SqliteOrderStores;
  let rig: Awaited<ReturnType<typeof startHttpSimulator>>;
  let exchange: CcxtExchange;
  let executor: Executor;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-orders-ccxt-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
    stores = createSqliteOrderStores(store.database);
    rig = await startHttpSimulator({ retryAfterMs: 1 });
    // a 1 s receive window (sent to the venue as recvWindow) keeps the waits for an "absent" short
    exchange = new CcxtExchange(await createSimulatedCcxt(rig.url, { timeout: 300 }), {
      positions: 'none',
      recvWindowMs: 1_000,
    });
    executor = new Executor({
      exchange,
      orders: stores.orders,
      dlq: stores.dlq,
      symbols: [SYMBOL],
      gate: () => ({ allow: true, reason: 'running' }),
      policy: defaultOrderPolicy({ timers: refTimers }),
      lookupBackoff: constantBackoff(10),
      clockMarginMs: 200,
      timers: refTimers,
    });
  });

  after(async () => {
    await stores.close();
    await store.close();
    await exchange.close();
    await rig.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const submit = (key: string, type: 'limit' | 'market' = 'limit') =>
    executor.submit({
      idempotencyKey: key,
      symbol: SYMBOL,
      side: 'buy',
      type,
      amount: 1,
      ...(type === 'limit' ? { price: 90 } : {}),
    });
  const count = (cid: string) => rig.sim.allOrders().filter((o) => o.clientOrderId === cid).length;

  for (const kind of [
    'timeout_after_accept',
    'timeout_before_accept',
    'http_5xx',
    'http_429',
    'disconnect',
  ] as FaultKind[]) {
    it(`${kind} on create: one order, intent placed, repeat served from the store`, async () => {
      rig.sim.faults.injectNext(kind, { operation: 'createOrder' });
      const r = await submit(`ccxt-${kind}`);
      assert.equal(r.status, 'placed', JSON.stringify(r));
      if (r.status !== 'placed') return;
      assert.equal(count(r.clientOrderId), 1);
      assert.equal(rig.sim.faults.injected()[kind] >= 1, true);
      const again = await submit(`ccxt-${kind}`);
      assert.equal(again.status === 'placed' && again.replayed, true);
      assert.equal(count(r.clientOrderId), 1);
    });
  }

  it('a timeout after acceptance of a market order never doubles it, even when the first lookups fail', async () => {
    rig.sim.faults.injectNext('timeout_after_accept', { operation: 'createOrder' });
    rig.sim.faults.injectNext('disconnect', { operation: 'fetchOrder', times: 2 });
    const r = await submit('ccxt-market', 'market');
    assert.equal(r.status, 'placed', JSON.stringify(r));
    if (r.status === 'placed') {
      assert.equal(count(r.clientOrderId), 1);
      assert.equal(rig.sim.allOrders().find((o) => o.clientOrderId === r.clientOrderId)?.status, 'closed');
    }
  });

  it('a market order the venue accepts only after the client timed out is found by waiting out the window, never resent', async () => {
    rig.sim.faults.configure({ retryAfterMs: 1, acceptDelayMs: 600 }); // > ccxt's 300 ms, < the 1 s window
    rig.sim.faults.injectNext('delayed_accept', { operation: 'createOrder' });
    try {
      const r = await submit('ccxt-late', 'market');
      assert.equal(r.status, 'placed', JSON.stringify(r));
      for (let i = 0; i < 2_000 && rig.server.processing > 0; i++) await new Promise((x) => setTimeout(x, 5));
      if (r.status === 'placed') assert.equal(count(r.clientOrderId), 1, 'one filled order at the venue');
      assert.equal((await stores.orders.get('ccxt-late'))?.attempts, 1);
    } finally {
      rig.sim.faults.configure({ retryAfterMs: 1 });
    }
  });

  it('an outcome that cannot be resolved is not resent; DLQ replay resolves it without doubling', async () => {
    rig.sim.faults.injectNext('timeout_after_accept', { operation: 'createOrder' });
    rig.sim.faults.injectNext('http_5xx', { operation: 'fetchOrder', times: 5 });
    await assert.rejects(submit('ccxt-unknown'), { code: 'E_AMBIGUOUS' });
    const dlq = new DeadLetterQueue(stores.dlq);
    const entry = await stores.dlq.openFor('ccxt-unknown');
    assert.ok(entry);
    const out = await dlq.replay(entry.id, executor);
    assert.equal(out.result.status, 'placed');
    assert.equal(count(entry.clientOrderId ?? ''), 1);
  });

  it('a venue rejection (insufficient funds) is final and in the DLQ', async () => {
    const r = await executor.submit({
      idempotencyKey: 'ccxt-too-big',
      symbol: SYMBOL,
      side: 'sell',
      type: 'limit',
      amount: 1e9,
      price: 200,
    });
    assert.equal(r.status, 'rejected', JSON.stringify(r));
    assert.equal((await stores.dlq.openFor('ccxt-too-big'))?.errors.at(-1)?.name, 'InsufficientFunds');
  });
});
