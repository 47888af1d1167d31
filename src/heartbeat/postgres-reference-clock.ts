import { createRequire } from 'node:module';
import type pg from 'pg';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { timeRequest, type ReferenceClock, type ReferenceReading } from './reference-clock.js';
import { ReferenceClockError } from './reference-clock-error.js';

/** The server's clock at the moment the statement runs (`now()` is the same clock, frozen at transaction start). */
const SERVER_TIME = 'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS t';

/** Options of the PostgreSQL reference. */
export interface PostgresReferenceOptions {
  /** A libpq connection string. */
  readonly connectionString: string;
  /** How long connecting and the query may take (default 2000 ms). */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
}

/**
 * The PostgreSQL server's clock as a reference (fleet mode: every host compares with the one
 * database). One pooled connection, opened on first use and reused.
 */
export class PostgresReferenceClock implements ReferenceClock {
  readonly name: string;
  readonly #pool: pg.Pool;
  readonly #clock: Clock;

  constructor(opts: PostgresReferenceOptions) {
    const timeoutMs = opts.timeoutMs ?? 2000;
    if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs: expected a positive number, got ${timeoutMs}`);
    this.#clock = opts.clock ?? systemClock;
    // pg is loaded here, not at import: it costs ~80 ms and `warden heartbeat` is on a hot path.
    const { Pool } = createRequire(import.meta.url)('pg') as typeof pg;
    this.#pool = new Pool({
      connectionString: opts.connectionString,
      max: 1,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      idleTimeoutMillis: 60_000,
      allowExitOnIdle: true,
    });
    // An idle connection that breaks must not crash the process; the next reading reconnects.
    this.#pool.on('error', () => undefined);
    let target = 'postgres';
    try {
      const u = new URL(opts.connectionString);
      target = `postgres:${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
    } catch {
      // not a URL (key=value form): keep the bare name, never the password
    }
    this.name = target;
  }

  async now(signal?: AbortSignal): Promise<ReferenceReading> {
    let client: pg.PoolClient | undefined;
    try {
      if (signal?.aborted) throw new Error('aborted');
      client = await this.#pool.connect();
      const c = client;
      return await timeRequest(this.#clock, async () => {
        const r = await c.query<{ t: number }>(SERVER_TIME);
        const t = Number(r.rows[0]?.t);
        if (!Number.isFinite(t)) throw new Error(`server time is not a number (got ${String(r.rows[0]?.t)})`);
        return t;
      });
    } catch (err) {
      throw new ReferenceClockError(this.name, `cannot read the server's clock: ${(err as Error).message}`, {
        cause: err,
      });
    } finally {
      client?.release();
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
