import type pg from 'pg';
import type { SharedBreakerRepo, StrategyStateRepo } from '../store.js';
import type { StrategyStateEvent } from '../shared-state-types.js';
import { toBreaker, toState, type BreakerRow, type StrategyRow } from '../shared-rows.js';
import type { PgQuery, PgTx } from './pg-connection.js';

const SERVER_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

/** The strategy state's statements (one constant each). */
export const STRATEGY_GET =
  'SELECT name, version, doc, updated_at, updated_by FROM strategy_state WHERE name = $1';
export const STRATEGY_INSERT = `INSERT INTO strategy_state (name, version, doc, updated_at, updated_by)
  VALUES ($1, 1, $2, $3, $4) ON CONFLICT (name) DO NOTHING
  RETURNING name, version, doc, updated_at, updated_by`;
export const STRATEGY_UPDATE = `UPDATE strategy_state SET version = version + 1, doc = $3, updated_at = $4, updated_by = $5
  WHERE name = $1 AND version = $2
  RETURNING name, version, doc, updated_at, updated_by`;
export const STRATEGY_EVENT_INSERT = `INSERT INTO strategy_state_events (name, version, action, key, reason, "by", at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;
export const STRATEGY_EVENTS_AFTER = `SELECT id, name, version, action, key, reason, "by", at FROM strategy_state_events
  WHERE name = $1 AND version > $2 ORDER BY id LIMIT $3`;
export const STRATEGY_EVENTS_RECENT = `SELECT * FROM (SELECT id, name, version, action, key, reason, "by", at
  FROM strategy_state_events WHERE name = $1 ORDER BY id DESC LIMIT $2) newest ORDER BY id`;

/** The shared breakers' statements. */
const BREAKER_COLS = 'account, breaker, version, state, "until", "by", at, prober, probe_until';
export const BREAKER_GET = `SELECT ${BREAKER_COLS} FROM shared_breakers WHERE account = $1 AND breaker = $2`;
export const BREAKER_OPEN = `INSERT INTO shared_breakers AS b (account, breaker, version, state, "until", "by", at)
  VALUES ($1, $2, 1, 'open', $3, $4, $5)
  ON CONFLICT (account, breaker) DO UPDATE SET version = b.version + 1, state = 'open', "until" = EXCLUDED."until",
    "by" = EXCLUDED."by", at = EXCLUDED.at, prober = NULL, probe_until = 0
  WHERE b.state = 'closed' OR b."until" < EXCLUDED."until"
  RETURNING ${BREAKER_COLS}`;
export const BREAKER_CLOSE = `UPDATE shared_breakers SET version = version + 1, state = 'closed', "until" = 0,
    "by" = $4, at = $5, prober = NULL, probe_until = 0
  WHERE account = $1 AND breaker = $2 AND version = $3 AND state = 'open'
  RETURNING ${BREAKER_COLS}`;
export const BREAKER_CLAIM = `UPDATE shared_breakers SET prober = $3, probe_until = ${SERVER_MS} + $4
  WHERE account = $1 AND breaker = $2 AND state = 'open'
    AND (prober IS NULL OR prober = $3 OR probe_until <= ${SERVER_MS})
  RETURNING ${BREAKER_COLS}`;

type Notify = (c: pg.PoolClient, area: string, id: string) => Promise<void>;
type Run = <R extends pg.QueryResultRow>(text: string, values: unknown[]) => Promise<pg.QueryResult<R>>;
const on =
  (c: pg.PoolClient): Run =>
  (text, values) =>
    c.query(text, values);

/**
 * The strategy state on PostgreSQL: a write is one conditional statement (an insert that does
 * nothing on conflict, or an update on the expected version) with its audit rows and its
 * `pg_notify` in the same transaction, so a listener hears of a change only once it is durable.
 */
export function pgStrategyStateRepo(q: PgQuery, tx: PgTx, notify: Notify): StrategyStateRepo {
  const events = async (run: Run, text: string, values: unknown[]): Promise<StrategyStateEvent[]> =>
    (await run<StrategyStateEvent>(text, values)).rows.map((r) => ({ ...r, key: r.key ?? null }));
  const history = (run: Run, name: string, after: number, limit: number) =>
    events(run, STRATEGY_EVENTS_AFTER, [name, after, limit]);
  return {
    get: async (name) => {
      const r = (await q<StrategyRow>(STRATEGY_GET, [name])).rows[0];
      return r ? toState(r) : null;
    },
    put: (name, expected, doc, events, by) =>
      tx(async (c) => {
        const text = JSON.stringify(doc);
        const at = Date.now();
        const r =
          expected === 0
            ? (await c.query<StrategyRow>(STRATEGY_INSERT, [name, text, at, by])).rows[0]
            : (await c.query<StrategyRow>(STRATEGY_UPDATE, [name, expected, text, at, by])).rows[0];
        if (r === undefined) {
          const cur = (await c.query<StrategyRow>(STRATEGY_GET, [name])).rows[0];
          return {
            ok: false,
            current: cur ? toState(cur) : null,
            since: await history(on(c), name, expected, 1000),
          };
        }
        for (const e of events)
          await c.query(STRATEGY_EVENT_INSERT, [name, r.version, e.action, e.key, e.reason, e.by, e.at]);
        await notify(c, 'strategy', `${name}:${r.version}`);
        return { ok: true, state: toState(r) };
      }),
    history: (name, opts = {}) => history(q, name, opts.afterVersion ?? 0, opts.limit ?? 1000),
    recent: (name, limit) => events(q, STRATEGY_EVENTS_RECENT, [name, limit]),
  };
}

/** The shared breakers on PostgreSQL: every change one conditional statement, announced in its transaction. */
export function pgSharedBreakerRepo(q: PgQuery, tx: PgTx, notify: Notify): SharedBreakerRepo {
  const get = async (run: Run, account: string, breaker: string) => {
    const r = (await run<BreakerRow>(BREAKER_GET, [account, breaker])).rows[0];
    return r ? toBreaker(r) : null;
  };
  return {
    get: (account, breaker) => get(q, account, breaker),
    open: (account, breaker, ch) =>
      tx(async (c) => {
        const r = (await c.query<BreakerRow>(BREAKER_OPEN, [account, breaker, ch.until, ch.by, ch.at]))
          .rows[0];
        if (r === undefined) return { changed: false, record: (await get(on(c), account, breaker))! };
        await notify(c, 'breakers', `${account}/${breaker}`);
        return { changed: true, record: toBreaker(r) };
      }),
    close: (account, breaker, expected, ch) =>
      tx(async (c) => {
        const r = (await c.query<BreakerRow>(BREAKER_CLOSE, [account, breaker, expected, ch.by, ch.at]))
          .rows[0];
        if (r === undefined) return { ok: false, record: await get(on(c), account, breaker) };
        await notify(c, 'breakers', `${account}/${breaker}`);
        return { ok: true, record: toBreaker(r) };
      }),
    claimProbe: async (account, breaker, owner, leaseMs) => {
      const r = (await q<BreakerRow>(BREAKER_CLAIM, [account, breaker, owner, Math.round(leaseMs)])).rows[0];
      if (r !== undefined) return { ok: true, record: toBreaker(r) };
      return { ok: false, record: await get(q, account, breaker) };
    },
  };
}
