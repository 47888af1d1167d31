import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';

/** A numbered migration: `NNN_name.sql`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Reads the numbered migration files of a folder, in order. */
export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number.parseInt(f.slice(0, f.indexOf('_')), 10),
      name: f,
      sql: readFileSync(`${dir}/${f}`, 'utf8'),
    }));
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
