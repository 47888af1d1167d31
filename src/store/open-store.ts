import { isAbsolute, join } from 'node:path';
import type { WardenConfig } from '../config/index.js';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { StoreError } from './store-error.js';

/** Opens the store the config names (SQLite in the data dir by default). */
export function openStore(config: WardenConfig, dataDir: string): Promise<Store> {
  const s = config.store;
  switch (s.kind) {
    case 'sqlite':
      return Promise.resolve(
        SqliteStore.open(isAbsolute(s.path) ? s.path : join(dataDir, s.path), {
          busyTimeoutMs: s.busyTimeoutMs,
        }),
      );
    case 'postgres':
      return Promise.reject(
        new StoreError(
          'store.kind "postgres" arrives with fleet mode; use "sqlite" for now (field store.kind)',
        ),
      );
    default:
      return s satisfies never;
  }
}
