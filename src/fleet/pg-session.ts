import { createRequire } from 'node:module';
import type pg from 'pg';

// The schema-name rule (and the channel it makes) is the store's: one rule, one place.
export { checkSchemaName, changeChannel } from '../store/postgres/schema-name.js';

/** The connection target without user or password, for messages: `postgres:host:port/db`. */
export function pgTarget(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    return `postgres:${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'postgres'; // key=value form: never echo it (it may hold the password)
  }
}

/** pg, loaded on first use (it costs ~80 ms of start-up and the bot's hot commands never need it). */
export function loadPg(): typeof pg {
  return createRequire(import.meta.url)('pg') as typeof pg;
}

/** Options of one dedicated session (a LISTEN connection, the leader's lock session). */
export interface SessionOptions {
  readonly connectionString: string;
  /** Shown in pg_stat_activity, so an operator (and a test) can find the session. */
  readonly applicationName: string;
  /** How long connecting and each statement may take (ms). */
  readonly timeoutMs: number;
}

/**
 * Opens one dedicated `pg.Client` (not a pool: LISTEN and session advisory locks belong to one
 * backend). TCP keepalives both ways, so a peer that vanishes is noticed by this process and
 * by the server (which then ends the session and releases its locks).
 */
export async function openSession(opts: SessionOptions): Promise<pg.Client> {
  const { Client } = loadPg();
  const client = new Client({
    connectionString: opts.connectionString,
    application_name: opts.applicationName,
    connectionTimeoutMillis: opts.timeoutMs,
    query_timeout: opts.timeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 1000,
  });
  // An error before a listener is attached must not crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    // The server drops a session whose peer went silent after ~5 s + 2 × 1 s of keepalives.
    await client.query(
      'SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 2',
    );
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return client;
}
