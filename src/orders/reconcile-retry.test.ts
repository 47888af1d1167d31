import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExchangeSimulator, InProcessExchange } from '../exchange/index.js';
import { fullJitterBackoff } from '../resilience/backoff.js';
import { FakeTimers } from '../resilience/fake-timers.js';
import { SqliteStore } from '../store/index.js';
import { ManualClock } from '../util/clock.js';
import { clientOrderIdFor } from './client-order-id.js';
import { canonicalPayload, payloadHash } from './intent.js';
import { reconcile } from './reconcile.js';
import { createSqliteOrderStores } from '../store/sqlite/sqlite-order-stores.js';

const SYMBOL = 'BTC/USDT';

async function drive<T>(p: Promise<T>, ft: FakeTimers): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 10_000 && !done; i++) await ft.advance(25);
  return p;
}

function rig() {
  const dir = mkdtempSync(join(tmpdir(), 'warden-recon-retry-'));
  const store = SqliteStore.open(join(dir, 'warden.db'));
  const stores = createSqliteOrderStores(store.database);
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 9));
  const sim = new ExchangeSimulator({
    markets: [{ symbol: SYMBOL, mid: 100 }],
    balances: { USDT: 1000 },
    clock,
  });
  const ft = new FakeTimers(clock);
  const waits: number[] = [];
  const timers = {
    setTimeout: (cb: () => void, ms: number) => (waits.push(ms), ft.setTimeout(cb, ms)),
    clearTimeout: (h: unknown) => ft.clearTimeout(h),
  };
  const exchange = new InProcessExchange(sim, {
    sleep: (ms) => new Promise((r) => void ft.setTimeout(r, ms)),
  });
  const close = async (): Promise<void> => {
    await stores.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { stores, clock, sim, ft, timers, waits, exchange, close };
}

describe('reconcile retries through the one RetryPolicy', () => {
  it("draws the reads' and lookups' jitter from the injected random, never Math.random", async () => {
    const r = rig();
    const draws: number[] = [];
    const random = (): number => (draws.push(0.25), 0.25);
    try {
      const dead = `${hostname()}:999999999:dead`;
      const payload = canonicalPayload({
        idempotencyKey: 'k1',
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        amount: 1,
        price: 90,
      });
      const cid = clientOrderIdFor('k1', r.clock.now());
      await r.stores.orders.claim({
        idempotencyKey: 'k1',
        payloadHash: payloadHash(payload),
        payload,
        clientOrderId: cid,
        owner: dead,
        leaseUntil: r.clock.now() + 60_000,
        now: r.clock.now(),
      });
      await r.exchange.createOrder({
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        amount: 1,
        price: 90,
        clientOrderId: cid,
      });
      r.sim.faults.injectNext('http_5xx', { operation: 'fetchOpenOrders', times: 2 });
      r.sim.faults.injectNext('http_5xx', { operation: 'fetchOrder', times: 1 });
      const report = await drive(
        reconcile({
          exchange: r.exchange,
          orderStore: r.stores.orders,
          dlq: r.stores.dlq,
          print: null,
          backoff: fullJitterBackoff({ initialMs: 400, maxMs: 400 }),
          random,
          clock: r.clock,
          timers: r.timers,
        }),
        r.ft,
      );
      assert.equal(report.ok, true);
      assert.equal(draws.length, 3, 'two waits between reads of open orders, one between lookups');
      assert.deepEqual(r.waits.slice(0, 3), [100, 100, 100], '0.25 of the 400 ms cap, each time');
      assert.equal(
        report.errors.length,
        2,
        'each failed read is recorded (a lookup that found the order is not)',
      );
      assert.deepEqual(
        report.differences.map((d) => (d.kind === 'intent_resolved' ? d.outcome : d.kind)),
        ['placed'],
      );
    } finally {
      await r.close();
    }
  });

  it('gives up after `attempts` reads, records each failure and stays not ready', async () => {
    const r = rig();
    try {
      r.sim.faults.injectNext('http_5xx', { operation: 'fetchBalances', times: 4 });
      const report = await drive(
        reconcile({
          exchange: r.exchange,
          orderStore: r.stores.orders,
          dlq: r.stores.dlq,
          print: null,
          attempts: 4,
          backoff: fullJitterBackoff({ initialMs: 100, maxMs: 100 }),
          random: () => 1,
          clock: r.clock,
          timers: r.timers,
        }),
        r.ft,
      );
      assert.equal(report.ok, false);
      assert.deepEqual(r.waits, [100, 100, 100]);
      assert.deepEqual(
        report.errors.map((e) => e.code),
        [
          'E_EXCHANGE_NOT_AVAILABLE',
          'E_EXCHANGE_NOT_AVAILABLE',
          'E_EXCHANGE_NOT_AVAILABLE',
          'E_EXCHANGE_NOT_AVAILABLE',
          'E_RECONCILE',
        ],
      );
    } finally {
      await r.close();
    }
  });

  it('ends the wait between reads the moment the signal aborts, and throws', async () => {
    const r = rig();
    try {
      r.sim.faults.injectNext('http_5xx', { operation: 'fetchOpenOrders', times: 3 });
      const ac = new AbortController();
      const p = reconcile({
        exchange: r.exchange,
        orderStore: r.stores.orders,
        dlq: r.stores.dlq,
        print: null,
        backoff: fullJitterBackoff({ initialMs: 60_000, maxMs: 60_000 }),
        random: () => 1,
        clock: r.clock,
        timers: r.timers,
        signal: ac.signal,
      });
      const caught = p.catch((e: unknown) => e);
      await r.ft.advance(0);
      assert.deepEqual(r.waits, [60_000]);
      ac.abort(new Error('shutdown'));
      assert.match(String(await caught), /shutdown/);
      assert.equal(r.ft.pending, 0, 'the wait was cleared, not left to run');
    } finally {
      await r.close();
    }
  });
});
