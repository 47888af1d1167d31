import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExchangeSimulator, InProcessExchange } from '../exchange/index.js';
import { SqliteStore } from '../store/index.js';
import { ManualClock } from '../util/clock.js';
import { clientOrderIdFor } from './client-order-id.js';
import { canonicalPayload, payloadHash } from './intent.js';
import { ReadinessLatch } from './readiness.js';
import { reconcile } from './reconcile.js';
import { createSqliteOrderStores } from './sqlite-order-stores.js';
import type { OrderIntent } from './types.js';

const SYMBOL = 'BTC/USDT';

describe('reconcile', () => {
  it('resolves crashed intents by client id, flags unknown orders, diffs the checkpoint, then marks ready', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-recon-'));
    const store = SqliteStore.open(join(dir, 'warden.db'));
    const stores = createSqliteOrderStores(store.database);
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
    const sim = new ExchangeSimulator({
      markets: [{ symbol: SYMBOL, mid: 100, spreadBps: 10 }],
      balances: { USDT: 100_000, BTC: 10 },
      clock,
    });
    const exchange = new InProcessExchange(sim);
    const dead = `${hostname()}:999999999:dead`; // no such process: the claim is stale at once
    const claim = async (key: string) => {
      const i: OrderIntent = {
        idempotencyKey: key,
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        amount: 1,
        price: 90,
      };
      const payload = canonicalPayload(i);
      const cid = clientOrderIdFor(key, clock.now());
      await stores.orders.claim({
        idempotencyKey: key,
        payloadHash: payloadHash(payload),
        payload,
        clientOrderId: cid,
        owner: dead,
        leaseUntil: clock.now() + 60_000,
        now: clock.now(),
      });
      return cid;
    };
    try {
      const sent = await claim('sent-before-crash');
      await claim('never-sent');
      await exchange.createOrder({
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        amount: 1,
        price: 90,
        clientOrderId: sent,
      });
      await exchange.createOrder({
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        amount: 2,
        price: 80,
        clientOrderId: 'manual-1',
      });
      const readiness = new ReadinessLatch();
      const alerts: string[] = [];
      let printed = '';
      const report = await reconcile({
        exchange,
        orderStore: stores.orders,
        dlq: stores.dlq,
        readiness,
        checkpoint: { positions: [{ symbol: SYMBOL, amount: 3, entryPrice: 90 }], openOrders: [] },
        alerts: { alert: (a) => Promise.resolve(void alerts.push(a.severity)) },
        print: (t) => (printed = t),
        clock,
      });
      assert.equal(report.ok, true);
      assert.equal(readiness.ready, true);
      assert.equal((await stores.orders.get('sent-before-crash'))?.state, 'placed');
      const never = await stores.orders.get('never-sent');
      assert.equal(never?.state, 'dead');
      assert.equal(never?.reason, 'not_placed_before_crash');
      assert.equal((await stores.dlq.openFor('never-sent'))?.reason, 'not_placed_before_crash');
      const kinds = report.differences.map((d) => d.kind).sort();
      assert.deepEqual(kinds, [
        'intent_resolved',
        'intent_resolved',
        'order_missing_from_checkpoint',
        'order_missing_from_checkpoint',
        'position_differs',
        'unknown_order',
      ]);
      assert.equal(sim.allOrders().length, 2); // nothing was sent by reconciliation
      assert.deepEqual(alerts, ['critical']);
      assert.match(printed, /unknown order on the exchange/);
      const stored = await stores.orders.latestReconciliation();
      assert.equal(stored?.id, report.id);
      assert.equal(stored?.differences, 6);
    } finally {
      await stores.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stays not ready when the exchange cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-recon-'));
    const store = SqliteStore.open(join(dir, 'warden.db'));
    const stores = createSqliteOrderStores(store.database);
    const sim = new ExchangeSimulator({ markets: [{ symbol: SYMBOL, mid: 100 }], balances: { USDT: 1 } });
    sim.faults.injectNext('http_5xx', { operation: 'fetchOpenOrders', times: 3 });
    try {
      const readiness = new ReadinessLatch();
      const report = await reconcile({
        exchange: new InProcessExchange(sim),
        orderStore: stores.orders,
        dlq: stores.dlq,
        readiness,
        print: null,
        backoff: { delay: () => 0 },
        timers: {
          setTimeout: (cb, ms) => setTimeout(cb, ms),
          clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
        },
      });
      assert.equal(report.ok, false);
      assert.equal(readiness.ready, false);
      assert.match(report.errors.at(-1)?.message ?? '', /open orders/);
    } finally {
      await stores.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
