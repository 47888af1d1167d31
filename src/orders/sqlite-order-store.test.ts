import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteStore } from '../store/index.js';
import { orderStoreContract } from './order-store-contract.js';
import { createSqliteOrderStores } from './sqlite-order-stores.js';

function fixture(groupCommit: boolean) {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-orders-'));
    const store = SqliteStore.open(join(dir, 'warden.db'));
    const stores = createSqliteOrderStores(store.database, { groupCommit });
    return Promise.resolve({
      orders: stores.orders,
      dlq: stores.dlq,
      async close() {
        await stores.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    });
  };
}

orderStoreContract('sqlite, group commit', fixture(true));
orderStoreContract('sqlite, one commit per write', fixture(false));

describe('sqlite order store', () => {
  it('commits the writes of one tick in one transaction, and they are on disk once resolved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-orders-'));
    const path = join(dir, 'warden.db');
    const store = SqliteStore.open(path);
    const stores = createSqliteOrderStores(store.database);
    try {
      const claims = Array.from({ length: 50 }, (_, i) =>
        stores.orders.claim({
          idempotencyKey: `k${i}`,
          payloadHash: 'h',
          payload: '{}',
          clientOrderId: `c${i}`,
          owner: 'h:1:a',
          leaseUntil: 10,
          now: 1,
        }),
      );
      assert.equal(store.database.inTransaction, false);
      await Promise.all(claims);
      const other = SqliteStore.open(path); // a second connection sees them: committed
      try {
        const n = other.database.prepare('SELECT count(*) AS n FROM order_intents').get() as { n: number };
        assert.equal(n.n, 50);
      } finally {
        await other.close();
      }
    } finally {
      await stores.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
