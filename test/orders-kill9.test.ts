// A bot process submitting in a loop through the real ccxt client (with random faults) is
// SIGKILLed at random points, several times; then reconciliation must leave exactly the orders
// the exchange has, each known, none doubled, and every intent placed, in the DLQ, or denied.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CcxtExchange } from '../src/exchange/index.js';
import { createSimulatedCcxt } from '../src/exchange/ccxt-sim-client.js';
import { ReadinessLatch, createSqliteOrderStores, reconcile } from '../src/orders/index.js';
import { seededRandom } from '../src/exchange/index.js';
import { SqliteStore } from '../src/store/index.js';
import { spawnSubmitter } from './helpers/orders-child.js';
import { refTimers, startHttpSimulator } from './helpers/orders-rig.js';

const ROUNDS = Number(process.env['ORDERS_KILL_ROUNDS'] ?? 4);

describe('kill -9 during submit, then reconcile', () => {
  it('leaves exactly the orders the exchange has, each known, none doubled, every intent accounted for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-orders-kill-'));
    const db = join(dir, 'warden.db');
    await SqliteStore.open(db).close();
    const rig = await startHttpSimulator(
      {
        rates: { timeout_after_accept: 0.04, http_5xx: 0.04, disconnect: 0.04, timeout_before_accept: 0.02 },
        latencyMs: { min: 1, max: 8 },
      },
      11,
    );
    const random = seededRandom(Number(process.env['ORDERS_KILL_SEED'] ?? Date.now() % 100_000));
    try {
      for (let round = 0; round < ROUNDS; round++) {
        // the same keys each round: a restarted bot re-submits what it was doing (idempotency under restarts)
        const child = spawnSubmitter({ db, url: rig.url, prefix: 'kill', count: 60 + round * 20 });
        await child.results(1 + Math.floor(random() * 25));
        await new Promise((r) => setTimeout(r, Math.floor(random() * 40)));
        child.child.kill('SIGKILL');
        const exit = await child.exited;
        assert.ok(exit.signal === 'SIGKILL' || exit.code === 0, exit.stderr);
      }
      rig.sim.faults.configure({}); // the venue is healthy when the bot restarts
      const store = SqliteStore.open(db);
      const stores = createSqliteOrderStores(store.database);
      const exchange = new CcxtExchange(await createSimulatedCcxt(rig.url, { timeout: 1_000 }), {
        positions: 'none',
      });
      try {
        const readiness = new ReadinessLatch();
        const report = await reconcile({
          exchange,
          orderStore: stores.orders,
          dlq: stores.dlq,
          readiness,
          print: null,
          timers: refTimers,
        });
        assert.equal(report.ok, true, JSON.stringify(report.errors));
        assert.equal(readiness.ready, true);
        const orders = rig.sim.allOrders();
        const cids = orders.map((o) => o.clientOrderId);
        assert.equal(new Set(cids).size, cids.length, 'no client order id was placed twice');
        assert.equal(report.differences.filter((d) => d.kind === 'unknown_order').length, 0);
        const intents = [
          ...(await stores.orders.list({ state: 'placed', limit: 10_000 })),
          ...(await stores.orders.list({ state: 'dead', limit: 10_000 })),
          ...(await stores.orders.list({ state: 'rejected', limit: 10_000 })),
          ...(await stores.orders.list({ state: 'denied', limit: 10_000 })),
        ];
        assert.deepEqual(await stores.orders.listUnfinished(), [], 'every intent resolved');
        for (const o of orders) {
          const rec = await stores.orders.getByClientOrderId(o.clientOrderId);
          assert.equal(rec?.state, 'placed', `order ${o.clientOrderId} is known and placed`);
          assert.equal(rec?.exchangeOrderId, o.id);
        }
        const placed = intents.filter((r) => r.state === 'placed');
        assert.equal(placed.length, orders.length, 'exactly the orders the exchange has');
        for (const r of intents.filter((x) => x.state === 'dead' || x.state === 'rejected'))
          assert.ok(
            await stores.dlq.openFor(r.idempotencyKey),
            `${r.idempotencyKey} (${r.state}) is in the DLQ`,
          );
        for (const r of intents.filter((x) => x.state === 'denied'))
          assert.ok(r.reason, 'denied with a reason');
        assert.ok(orders.length > 0);
      } finally {
        await stores.close();
        await store.close();
        await exchange.close();
      }
    } finally {
      await rig.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
