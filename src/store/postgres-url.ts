import type { WardenConfig } from '../config/index.js';
import { StoreError } from './store-error.js';

/** The `store` section when it names PostgreSQL. */
export type PostgresStoreConfig = Extract<WardenConfig['store'], { kind: 'postgres' }>;

/** The connection URL of a PostgreSQL store: `store.url`, or the env var `store.urlEnv` names. */
export function postgresUrl(s: PostgresStoreConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (s.url !== undefined) return s.url;
  const name = s.urlEnv ?? '';
  const v = env[name];
  if (v === undefined || v === '')
    throw new StoreError(
      `store.urlEnv names ${JSON.stringify(name)}, which is not set: export it with the connection URL (field store.urlEnv)`,
    );
  return v;
}
