import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { WardenConfig } from '../config/index.js';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { postgresUrl, type PostgresStoreConfig } from './postgres-url.js';
import { StoreMissingError } from './store-missing-error.js';

/**
 * How a command opens the store. `existing` (the default) never creates the data dir or the
 * store: a missing or zero-byte store is a `StoreMissingError`, which readers treat as halted;
 * on PostgreSQL a schema that is missing or behind is one too. `create` is for `warden init` and
 * `warden trip` only: it creates the store (on PostgreSQL, the schema) and migrates it.
 * `migrate` (`warden migrate`, `warden serve`) applies pending migrations, creating a PostgreSQL
 * schema but never a SQLite file (a SQLite store migrates on every open that may write).
 */
export type StoreOpenMode = 'existing' | 'create' | 'migrate';

/** The store file the config names, resolved against the data dir. */
export function storePath(config: WardenConfig, dataDir: string): string | null {
  const s = config.store;
  return s.kind === 'sqlite' ? (isAbsolute(s.path) ? s.path : join(dataDir, s.path)) : null;
}

/** Opens the store the config names (SQLite in the data dir by default). */
export function openStore(
  config: WardenConfig,
  dataDir: string,
  mode: StoreOpenMode = 'existing',
): Promise<Store> {
  const s = config.store;
  switch (s.kind) {
    case 'sqlite':
      try {
        const path = storePath(config, dataDir)!;
        if (mode === 'create' && statSync(path, { throwIfNoEntry: false })?.size === 0)
          throw new StoreMissingError(
            `store ${path} is empty (0 bytes): corrupt, not new; restore it from a backup, or move it away and run \`warden init\``,
            path,
          );
        return Promise.resolve(
          SqliteStore.open(path, {
            busyTimeoutMs: s.busyTimeoutMs,
            mustExist: mode !== 'create',
          }),
        );
      } catch (err) {
        return Promise.reject(err as Error);
      }
    case 'postgres':
      return openPostgres(s, mode);
    default:
      return s satisfies never;
  }
}

/** PostgreSQL: `pg` is loaded only here, so SQLite users and hot-path commands never load it. */
async function openPostgres(s: PostgresStoreConfig, mode: StoreOpenMode): Promise<Store> {
  const url = postgresUrl(s);
  const { PgStore } = await import('./postgres/pg-store.js');
  return PgStore.open({
    url,
    schema: s.schema,
    poolSize: s.poolSize,
    mode: mode === 'existing' ? 'existing' : 'create',
  });
}
