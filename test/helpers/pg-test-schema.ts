import { loadPg } from '../../src/fleet/pg-session.js';
import { PgStore } from '../../src/store/postgres/pg-store.js';
import { TestSchemas, TEST_PG_URL } from '../../src/store/postgres/pg-test-schemas.js';

export { TEST_PG_URL };

/** One fresh schema `warden_t_<random>_0` on the shared test server, created; `drop()` drops it (and only it). */
export interface TestSchema {
  readonly url: string;
  readonly schema: string;
  /** Runs SQL on a short-lived connection. */
  sql<T extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** Runs one statement on a short-lived connection to `url`. */
export async function sqlOnce<T extends object>(url: string, text: string, values?: unknown[]): Promise<T[]> {
  const { Client } = loadPg();
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function createTestSchema(): Promise<TestSchema> {
  const schemas = new TestSchemas();
  const schema = schemas.next();
  await sqlOnce(schemas.url, `CREATE SCHEMA ${schema}`);
  return {
    url: schemas.url,
    schema,
    sql: (text, values) => sqlOnce(schemas.url, text, values),
    drop: () => schemas.dropAll(),
  };
}

/** The fleet's store on `url`/`schema`: migrated (`create`, the default), or `existing` (a bot: never migrates). */
export function openFleetStore(
  url: string,
  schema: string,
  opts: { timeoutMs?: number; poolSize?: number; mode?: 'create' | 'existing' } = {},
): Promise<PgStore> {
  return PgStore.open({
    url,
    schema,
    mode: opts.mode ?? 'create',
    poolSize: opts.poolSize ?? 2,
    timeoutMs: opts.timeoutMs ?? 2000,
  });
}

/** A fresh schema with every migration applied (as `warden migrate` leaves it); `drop()` drops it. */
export async function createMigratedSchema(): Promise<TestSchema> {
  const db = await createTestSchema();
  await (await openFleetStore(db.url, db.schema)).close();
  return db;
}
