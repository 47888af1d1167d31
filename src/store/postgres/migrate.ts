import { fileURLToPath } from 'node:url';
import { readMigrations, type Migration } from '../read-migrations.js';
import type { PgConnection } from './pg-connection.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** The PostgreSQL store's numbered migrations, in order. */
export function readPgMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readMigrations(dir);
}

/** The newest migration version this Warden knows. */
export function latestPgVersion(migrations: Migration[] = readPgMigrations()): number {
  return migrations.reduce((m, x) => Math.max(m, x.version), 0);
}

/** The schema's applied version: null when the schema or its `schema_migrations` table does not exist. */
export async function appliedPgVersion(conn: PgConnection): Promise<number | null> {
  const r = await conn.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
    `${conn.schema}.schema_migrations`,
  ]);
  if (r.rows[0]?.t == null) return null;
  const v = await conn.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return v.rows[0]?.v ?? 0;
}

/**
 * Applies the migrations not yet applied, all in one transaction under
 * `pg_advisory_xact_lock` (keyed by the schema), so two processes migrating at once apply each
 * migration once: the second waits, then finds them applied. Creates the schema when missing.
 * Returns how many were applied.
 */
export async function migratePg(
  conn: PgConnection,
  migrations: Migration[] = readPgMigrations(),
): Promise<number> {
  return conn.tx(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`warden.migrate.${conn.schema}`]);
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${conn.schema}`);
    await c.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
    );
    const done = new Set(
      (await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    let applied = 0;
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await c.query(m.sql);
      await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        Date.now(),
      ]);
      applied++;
    }
    return applied;
  });
}
