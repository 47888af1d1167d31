import type BetterSqlite3 from 'better-sqlite3';
import { SqliteBatcher } from './sqlite-batcher.js';
import { SqliteDlqStore } from './sqlite-dlq-store.js';
import { SqliteOrderStore } from './sqlite-order-store.js';

/** The order store and DLQ store of one connection. */
export interface SqliteOrderStores {
  readonly orders: SqliteOrderStore;
  readonly dlq: SqliteDlqStore;
  /** Commits what is queued; the connection stays open (it belongs to the `SqliteStore`). */
  close(): Promise<void>;
}

/**
 * Both stores over one connection (`SqliteStore.database`, migrated with `002_orders.sql`),
 * sharing one group-commit batcher so an intent's writes and its DLQ entry commit together.
 */
export function createSqliteOrderStores(
  db: BetterSqlite3.Database,
  options: { groupCommit?: boolean } = {},
): SqliteOrderStores {
  const batcher = new SqliteBatcher(db, options);
  const orders = new SqliteOrderStore(db, { batcher });
  const dlq = new SqliteDlqStore(db, { batcher });
  return {
    orders,
    dlq,
    async close() {
      await orders.close();
      await dlq.close();
      batcher.close();
    },
  };
}
