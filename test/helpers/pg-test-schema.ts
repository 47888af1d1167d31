import { randomBytes } from 'node:crypto';
import { loadPg } from '../../src/fleet/pg-session.js';

/** The shared test server (trust auth); override with WARDEN_TEST_PG_URL. */
export const TEST_PG_URL = process.env['WARDEN_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema `warden_t_<random>` on a server, dropped by `drop()`; nothing else is touched. */
export interface TestSchema {
  readonly url: string;
  readonly schema: string;
  /** Runs SQL on a short-lived connection. */
  sql<T extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export async function createTestSchema(url = TEST_PG_URL): Promise<TestSchema> {
  const schema = `warden_t_${randomBytes(5).toString('hex')}`;
  const sql = async <T extends object>(text: string, values?: unknown[]): Promise<T[]> => {
    const { Client } = loadPg();
    const c = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    c.on('error', () => undefined);
    await c.connect();
    try {
      return (await c.query<T>(text, values)).rows;
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  await sql(`CREATE SCHEMA ${schema}`);
  return {
    url,
    schema,
    sql,
    drop: async () => {
      await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    },
  };
}
