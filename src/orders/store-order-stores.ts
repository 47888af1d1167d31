import { SqliteStore, type Store } from '../store/index.js';
import { createSqliteOrderStores, type SqliteOrderStores } from './sqlite-order-stores.js';

/**
 * The order store and DLQ store of a `Store`: the one place that picks them (today the SQLite
 * ones over the store's connection; `store.orders` / `store.dlq` once the store carries them).
 * Undefined for a backend that has none yet.
 */
export function orderStoresFor(store: Store): SqliteOrderStores | undefined {
  return store instanceof SqliteStore ? createSqliteOrderStores(store.database) : undefined;
}
