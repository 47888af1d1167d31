import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExchangeSimulator, InProcessExchange } from '../exchange/index.js';
import { SqliteStore } from '../store/index.js';
import { FakeTimers } from '../resilience/fake-timers.js';
import { ManualClock } from '../util/clock.js';
import { clientOrderIdFor } from './client-order-id.js';
import { canonicalPayload, payloadHash } from './intent.js';
import { ReadinessLatch } from './readiness.js';
import { reconcile } from './reconcile.js';
import { createSqliteOrderStores } from '../store/sqlite/sqlite-order-stores.js';
import type { OrderIntent } from './types.js';

const SYMBOL = 'BTC/USDT';

/** Runs virtual time until `p` settles (reconciliation waits out receive windows on these timers). */
async function drive<T>(p: Promise<T>, ft: FakeTimers): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 10_000 && !done; i++) await ft.advance(50);
  return p;
}

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
    const ft = new FakeTimers(clock);
    const exchange = new InProcessExchange(sim, {
      sleep: (ms) => new Promise((r) => void ft.setTimeout(r, ms)),
    });
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
      // the first run left an outcome_unknown entry for the order that was in fact placed
      const unknownId = await stores.dlq.enqueue({
        idempotencyKey: 'sent-before-crash',
        clientOrderId: sent,
        payload: '{}',
        errors: [],
        attempts: 1,
        errorClass: 'ambiguous',
        reason: 'outcome_unknown',
        at: clock.now(),
      });
      const report = await drive(
        reconcile({
          exchange,
          orderStore: stores.orders,
          dlq: stores.dlq,
          readiness,
          checkpoint: { positions: [{ symbol: SYMBOL, amount: 3, entryPrice: 90 }], openOrders: [] },
          alerts: { alert: (a) => Promise.resolve(void alerts.push(a.severity)) },
          print: (t) => (printed = t),
          clock,
          timers: ft,
        }),
        ft,
      );
      assert.equal(report.ok, true);
      assert.equal(readiness.ready, true);
      assert.equal((await stores.orders.get('sent-before-crash'))?.state, 'placed');
      const closed = await stores.dlq.get(unknownId);
      assert.equal(
        closed?.status,
        'placed',
        'the outcome_unknown entry is closed, not left beside the order',
      );
      assert.match(closed?.note ?? '', /by reconciliation/);
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

  it("an absence inside the crashed request's receive window is not believed: the late order is adopted, not buried", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-recon-'));
    const store = SqliteStore.open(join(dir, 'warden.db'));
    const stores = createSqliteOrderStores(store.database);
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
    const ft = new FakeTimers(clock);
    const sim = new ExchangeSimulator({
      markets: [{ symbol: SYMBOL, mid: 100, spreadBps: 10 }],
      balances: { USDT: 100_000, BTC: 10 },
      clock,
      faults: { acceptDelayMs: 2_000 },
    });
    const exchange = new InProcessExchange(sim, {
      sleep: (ms) => new Promise((r) => void ft.setTimeout(r, ms)),
    });
    const i: OrderIntent = { idempotencyKey: 'late', symbol: SYMBOL, side: 'buy', type: 'market', amount: 1 };
    const payload = canonicalPayload(i);
    const cid = clientOrderIdFor('late', clock.now());
    try {
      // a process claimed it, sent it, and was killed; the venue accepts the request 2 s after receipt
      await stores.orders.claim({
        idempotencyKey: 'late',
        payloadHash: payloadHash(payload),
        payload,
        clientOrderId: cid,
        owner: `${hostname()}:999999999:dead`,
        leaseUntil: clock.now() + 60_000,
        now: clock.now(),
      });
      sim.faults.injectNext('delayed_accept', { operation: 'createOrder' });
      await exchange
        .createOrder({
          symbol: SYMBOL,
          side: 'buy',
          type: 'market',
          amount: 1,
          clientOrderId: cid,
          sentAt: clock.now(),
        })
        .catch(() => undefined);
      const readiness = new ReadinessLatch();
      const report = await drive(
        reconcile({
          exchange,
          orderStore: stores.orders,
          dlq: stores.dlq,
          readiness,
          print: null,
          clock,
          timers: ft,
        }),
        ft,
      );
      assert.equal(report.ok, true);
      assert.equal((await stores.orders.get('late'))?.state, 'placed');
      assert.equal(await stores.dlq.openFor('late'), null, 'not buried as not_placed_before_crash');
      assert.equal(sim.allOrders().length, 1);
      assert.equal(readiness.ready, true);
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
