import { readdirSync, readFileSync } from 'node:fs';

/** A numbered migration: `NNN_name.sql`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * The numbered migration files of a folder (`NNN_name.sql`), in order. Both backends use it. Each
 * file is read when its `sql` is first asked for: a store that is up to date (every start of a
 * hot-path command) reads none of them.
 */
export function readMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((f) => {
      let sql: string | undefined;
      return {
        version: Number.parseInt(f.slice(0, f.indexOf('_')), 10),
        name: f,
        get sql(): string {
          return (sql ??= readFileSync(`${dir}/${f}`, 'utf8'));
        },
      };
    });
}
