import { createRequire } from 'node:module';
import type pg from 'pg';
import { StoreError } from '../store-error.js';
import { changeChannel, checkSchemaName } from './schema-name.js';
import { encodeChange, type KillSwitchNotice } from './change-payload.js';

/** Options of a PostgreSQL store's pool. */
export interface PgConnectionOptions {
  /** A libpq connection URL (`postgres://user:password@host:port/db`). Never logged with its password. */
  readonly url: string;
  /** The schema every table lives in (default `warden`). */
  readonly schema?: string;
  /** Connections in the pool (default 4: a fleet of 50 processes then needs at most 200 server connections). */
  readonly poolSize?: number;
  /** How long to wait for a connection, and for a statement (ms, default 10000). */
  readonly timeoutMs?: number;
}

/** The URL without its password (and without the query string), for messages and `Store.location`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    return `${u.protocol}//${user}${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'postgres (connection string not shown)';
  }
}

/** ms since the epoch as JS numbers: int8 (bigserial ids, times, counts) parsed to Number. */
function typesFor(types: typeof pg.types): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === 20
        ? (v: string) => Number(v)
        : types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/**
 * One pool per store, its connections pinned to the store's schema by `search_path`, so the SQL
 * names no schema. `pg` is loaded here, when a PostgreSQL store is opened, never at import.
 */
export class PgConnection {
  readonly pool: pg.Pool;
  readonly schema: string;
  /** `postgres://user@host:port/db#schema`, never the password. */
  readonly location: string;
  /** The channel every change is announced on: `<schema>_changes`. */
  readonly channel: string;

  constructor(opts: PgConnectionOptions) {
    const schema = opts.schema ?? 'warden';
    checkSchemaName(schema, 'store.schema');
    const poolSize = opts.poolSize ?? 4;
    if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000)
      throw new RangeError(`store.poolSize: expected an integer from 1 to 1000, got ${String(poolSize)}`);
    const timeoutMs = opts.timeoutMs ?? 10_000;
    if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs: expected a positive number, got ${timeoutMs}`);
    this.schema = schema;
    this.channel = changeChannel(schema);
    this.location = `${redactUrl(opts.url)}#${schema}`;
    const mod = createRequire(import.meta.url)('pg') as typeof pg;
    this.pool = new mod.Pool({
      connectionString: opts.url,
      max: poolSize,
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: timeoutMs,
      query_timeout: timeoutMs + 1000,
      idleTimeoutMillis: 30_000,
      allowExitOnIdle: true,
      options: `-c search_path=${schema}`,
      application_name: 'warden',
      types: typesFor(mod.types),
    });
    // A pooled connection that breaks while idle (server restart, pg_terminate_backend) must not
    // crash the process: the pool drops it and the next query connects again.
    this.pool.on('error', () => undefined);
  }

  /** A StoreError naming the location (never the password), with the driver's error as cause. */
  error(err: unknown): StoreError {
    if (err instanceof StoreError) return err;
    const e = err as { code?: string; message?: string };
    const why = e.message ?? String(err);
    return new StoreError(`store ${this.location}: ${why}${e.code ? ` (${e.code})` : ''}`, { cause: err });
  }

  /** Runs one statement; rejects with a StoreError. */
  async query<R extends pg.QueryResultRow>(
    q: pg.QueryConfig | string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return typeof q === 'string' ? await this.pool.query<R>(q, values) : await this.pool.query<R>(q);
    } catch (err) {
      throw this.error(err);
    }
  }

  /** Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.error(err);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const r = await fn(client);
      await client.query('COMMIT');
      return r;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error;
      }
      throw this.error(err);
    } finally {
      client.release(broken);
    }
  }

  /**
   * `pg_notify` of a change, inside the caller's transaction: listeners hear it only if it commits.
   * A kill-switch event also carries what it was (`change-payload.ts`), so a trip halts at once.
   */
  async notify(
    c: pg.PoolClient,
    area: string,
    id: number | string | null,
    ks?: KillSwitchNotice,
  ): Promise<void> {
    await c.query('SELECT pg_notify($1, $2)', [this.channel, encodeChange(this.schema, area, id, ks)]);
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}

/** Runs one statement on the store's pool (refused once the store is closed). */
export type PgQuery = <R extends pg.QueryResultRow>(
  q: pg.QueryConfig | string,
  values?: unknown[],
) => Promise<pg.QueryResult<R>>;
/** Runs a function in one transaction on one of the store's connections. */
export type PgTx = <T>(fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>;
