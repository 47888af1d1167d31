import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import { readMigrations as readMigrationFiles, type Migration } from '../read-migrations.js';

export type { Migration };

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** The SQLite store's numbered migrations (or those of `dir`), in order. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readMigrationFiles(dir);
}

/**
 * Applies the migrations not yet applied, each in its own IMMEDIATE transaction, so two
 * processes opening a new file at once do not both apply one.
 */
export function migrate(db: BetterSqlite3.Database, migrations: Migration[] = readMigrations()): number {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const has = db.prepare<[number], { version: number }>(
    'SELECT version FROM schema_migrations WHERE version = ?',
  );
  const mark = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  let applied = 0;
  for (const m of migrations) {
    if (has.get(m.version)) continue;
    const apply = db.transaction(() => {
      if (has.get(m.version)) return;
      db.exec(m.sql);
      mark.run(m.version, m.name, Date.now());
      applied++;
    });
    apply.immediate();
  }
  return applied;
}
