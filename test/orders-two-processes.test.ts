// Two bot processes submit the same intents against one SQLite file and one HTTP simulator
// (the real ccxt client in each): every key gives exactly one order.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteStore } from '../src/store/index.js';
import { createSqliteOrderStores } from '../src/orders/index.js';
import { spawnSubmitter } from './helpers/orders-child.js';
import { startHttpSimulator } from './helpers/orders-rig.js';

describe('two processes, one store, one venue', () => {
  it('the same intents submitted by two processes give one order each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-orders-2p-'));
    const db = join(dir, 'warden.db');
    await SqliteStore.open(db).close(); // migrate once up front
    const rig = await startHttpSimulator({ latencyMs: { min: 2, max: 15 } });
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `shared-${i}`);
      const a = spawnSubmitter({ db, url: rig.url, keys });
      const b = spawnSubmitter({ db, url: rig.url, keys });
      const [ea, eb] = await Promise.all([a.exited, b.exited]);
      assert.equal(ea.code, 0, ea.stderr);
      assert.equal(eb.code, 0, eb.stderr);
      const orders = rig.sim.allOrders();
      assert.equal(orders.length, keys.length, 'one order per key, none doubled');
      assert.equal(new Set(orders.map((o) => o.clientOrderId)).size, keys.length);
      // each key: one process placed it; the other got the first result or E_IN_FLIGHT
      for (const key of keys) {
        const answers = [...a.lines, ...b.lines].filter((l) => l.key === key);
        assert.equal(answers.length, 2);
        const fresh = answers.filter((l) => l.status === 'placed' && l.replayed === false);
        assert.equal(fresh.length, 1, JSON.stringify(answers));
        const other = answers.find((l) => l !== fresh[0]);
        assert.ok(
          other?.code === 'E_IN_FLIGHT' || (other?.status === 'placed' && other.replayed === true),
          JSON.stringify(other),
        );
      }
      const store = SqliteStore.open(db);
      const stores = createSqliteOrderStores(store.database);
      assert.equal((await stores.orders.list({ state: 'placed', limit: 1000 })).length, keys.length);
      await stores.close();
      await store.close();
    } finally {
      await rig.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
