import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteStore } from '../index.js';
import { migrate, readMigrations } from './migrate.js';
import { orderStoreContract } from '../../orders/order-store-contract.js';

function fixture(groupCommit: boolean) {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-orders-'));
    const store = SqliteStore.open(join(dir, 'warden.db'), { groupCommit });
    return Promise.resolve({
      orders: store.orders,
      dlq: store.dlq,
      async close() {
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
    try {
      const claims = Array.from({ length: 50 }, (_, i) =>
        store.orders.claim({
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
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migration 003 upgrades a 002 store: unfinished intents get their last update as send time, DLQ entries keep their status', () => {
    const db = new BetterSqlite3(':memory:');
    try {
      const all = readMigrations();
      migrate(
        db,
        all.filter((m) => m.version < 3),
      );
      db.prepare(
        `INSERT INTO order_intents (idempotency_key, payload_hash, payload, state, client_order_id, attempts, owner, lease_until, created_at, updated_at)
         VALUES ('u', 'h', '{}', 'in_flight', 'cu', 1, 'o', 5, 1, 77), ('p', 'h', '{}', 'placed', 'cp', 1, NULL, 0, 1, 88)`,
      ).run();
      db.prepare(
        `INSERT INTO order_dlq (idempotency_key, payload, errors, attempts, error_class, reason, status, note, created_at, updated_at)
         VALUES ('u', '{}', '[]', 1, 'ambiguous', 'outcome_unknown', 'open', NULL, 1, 2), ('p', '{}', '[]', 1, 'x', 'r', 'resolved', 'n', 1, 3)`,
      ).run();
      assert.ok(migrate(db, all) >= 1);
      const sent = db
        .prepare('SELECT idempotency_key AS k, sent_at AS s FROM order_intents ORDER BY k')
        .all();
      assert.deepEqual(sent, [
        { k: 'p', s: null },
        { k: 'u', s: 77 },
      ]);
      const dlq = db
        .prepare('SELECT idempotency_key AS k, status, note, version FROM order_dlq ORDER BY k')
        .all();
      assert.deepEqual(dlq, [
        { k: 'p', status: 'resolved', note: 'n', version: 0 },
        { k: 'u', status: 'open', note: null, version: 0 },
      ]);
    } finally {
      db.close();
    }
  });
});
