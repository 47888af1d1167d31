// Test helper: PostgreSQL schemas of one test file, `warden_t_<random>_<n>`, all dropped at the
// end. Tests use the shared server (127.0.0.1:5432, database `test`) and touch no other schema.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type pg from 'pg';

/** The test server: `WARDEN_TEST_PG_URL`, else the local one (trust auth). */
export const TEST_PG_URL =
  process.env['WARDEN_TEST_PG_URL'] ??
  `postgres://${process.env['PGUSER'] ?? 'postgres'}@127.0.0.1:5432/test`;

/** Fresh schema names for one test file; `dropAll()` drops every one it handed out. */
export class TestSchemas {
  readonly url = TEST_PG_URL;
  readonly prefix = `warden_t_${randomBytes(5).toString('hex')}`;
  readonly #made: string[] = [];

  /** A new schema name (not created: the store's migration creates it). */
  next(): string {
    const name = `${this.prefix}_${this.#made.length}`;
    this.#made.push(name);
    return name;
  }

  /** Drops every schema handed out (CASCADE), and only those. */
  async dropAll(): Promise<void> {
    const { Client } = createRequire(import.meta.url)('pg') as typeof pg;
    const c = new Client({ connectionString: this.url });
    await c.connect();
    try {
      for (const s of this.#made.splice(0)) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    } finally {
      await c.end();
    }
  }
}
