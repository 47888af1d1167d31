// A test stand-in for the PostgreSQL Store (branch pgstore builds the real one): the kill-switch
// repo only, on its own pool, with the change and its NOTIFY in one transaction, compare-and-set
// under a transaction-scoped advisory lock. Every other repo rejects.
import type pg from 'pg';
import type {
  Store,
  KillSwitchEvent,
  NewKillSwitchEvent,
  KillSwitchCasResult,
} from '../../src/store/index.js';
import { changeChannel, loadPg } from '../../src/fleet/pg-session.js';

export const KILLSWITCH_DDL = (schema: string): string => `
CREATE TABLE IF NOT EXISTS ${schema}.killswitch_events (
  id bigserial PRIMARY KEY, action text NOT NULL, at bigint NOT NULL, reason text NOT NULL,
  by text NOT NULL, source text NOT NULL, host text NOT NULL, pid integer NOT NULL,
  flatten boolean NOT NULL, clears bigint)`;

interface Row {
  id: string;
  action: 'trip' | 'resume';
  at: string;
  reason: string;
  by: string;
  source: string;
  host: string;
  pid: number;
  flatten: boolean;
  clears: string | null;
}

const toEvent = (r: Row): KillSwitchEvent => ({
  id: Number(r.id),
  action: r.action,
  at: Number(r.at),
  reason: r.reason,
  by: r.by,
  source: r.source,
  host: r.host,
  pid: r.pid,
  flatten: r.flatten,
  clears: r.clears === null ? null : Number(r.clears),
});

const unsupported = (): Promise<never> => Promise.reject(new Error('not in the fleet test store'));
const stubRepo = new Proxy({}, { get: () => unsupported });

export interface PgKillSwitchStoreOptions {
  readonly url: string;
  readonly schema: string;
  /** Send NOTIFY with each change (default true). */
  readonly notify?: boolean;
  /** Connect and statement timeout (ms). Default 2000. */
  readonly timeoutMs?: number;
  readonly applicationName?: string;
}

export async function openPgKillSwitchStore(opts: PgKillSwitchStoreOptions): Promise<Store> {
  const { Pool } = loadPg();
  const timeoutMs = opts.timeoutMs ?? 2000;
  const pool: pg.Pool = new Pool({
    connectionString: opts.url,
    max: 1,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    application_name: opts.applicationName ?? 'warden-test-store',
  });
  pool.on('error', () => undefined);
  const s = opts.schema;
  const channel = changeChannel(s);
  const notify = opts.notify ?? true;
  const latest = async (q: pg.Pool | pg.PoolClient): Promise<KillSwitchEvent | null> => {
    const r = await q.query<Row>(`SELECT * FROM ${s}.killswitch_events ORDER BY id DESC LIMIT 1`);
    return r.rows[0] ? toEvent(r.rows[0]) : null;
  };
  const insert = async (c: pg.PoolClient, e: NewKillSwitchEvent): Promise<KillSwitchEvent> => {
    const r = await c.query<Row>(
      `INSERT INTO ${s}.killswitch_events (action, at, reason, by, source, host, pid, flatten, clears)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING *`,
      [e.action, e.at, e.reason, e.by, e.source, e.host, e.pid, e.flatten, e.clears ?? null],
    );
    const ev = toEvent(r.rows[0]!);
    if (notify)
      await c.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify({ area: 'killswitch', id: ev.id })]);
    return ev;
  };
  const tx = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${s}.killswitch`]);
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  };
  const killSwitch: Store['killSwitch'] = {
    append: (e) => tx((c) => insert(c, e)),
    appendIfLatest: (expected, e) =>
      tx(async (c): Promise<KillSwitchCasResult> => {
        const l = await latest(c);
        if ((l?.id ?? null) !== expected) {
          const since = await c.query<Row>(
            `SELECT * FROM ${s}.killswitch_events WHERE id > $1 ORDER BY id DESC`,
            [expected ?? 0],
          );
          return { ok: false, latest: l, since: since.rows.map(toEvent) };
        }
        return { ok: true, event: await insert(c, e) };
      }),
    probeWrite: async () => {
      await pool.query('SELECT 1');
    },
    latest: () => latest(pool),
    history: async (limit = 100) =>
      (
        await pool.query<Row>(`SELECT * FROM ${s}.killswitch_events ORDER BY id DESC LIMIT $1`, [limit])
      ).rows.map(toEvent),
  };
  await pool.query(KILLSWITCH_DDL(s));
  return {
    kind: 'postgres',
    location: `postgres schema ${s}`,
    killSwitch,
    heartbeats: stubRepo as Store['heartbeats'],
    incidents: stubRepo as Store['incidents'],
    alerts: stubRepo as Store['alerts'],
    kv: stubRepo as Store['kv'],
    now: async () => Date.now(),
    close: () => pool.end(),
  };
}
