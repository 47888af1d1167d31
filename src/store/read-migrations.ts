import { readdirSync, readFileSync } from 'node:fs';

/** A numbered migration: `NNN_name.sql`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Reads the numbered migration files of a folder (`NNN_name.sql`), in order. Both backends use it. */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number.parseInt(f.slice(0, f.indexOf('_')), 10),
      name: f,
      sql: readFileSync(`${dir}/${f}`, 'utf8'),
    }));
}
