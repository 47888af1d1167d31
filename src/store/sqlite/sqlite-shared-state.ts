import type BetterSqlite3 from 'better-sqlite3';
import type { SharedBreakerRepo, StrategyStateRepo } from '../store.js';
import type { StrategyStateEvent } from '../shared-state-types.js';
import { toBreaker, toState, type BreakerRow, type StrategyRow } from '../shared-rows.js';
import type { Clock } from '../../util/clock.js';
import { lazyPrepare } from './lazy-prepare.js';

/** The strategy state's statements (one constant each). */
export const STRATEGY_GET =
  'SELECT name, version, doc, updated_at, updated_by FROM strategy_state WHERE name = ?';
export const STRATEGY_INSERT = `INSERT INTO strategy_state (name, version, doc, updated_at, updated_by)
  VALUES (?, 1, ?, ?, ?) ON CONFLICT (name) DO NOTHING
  RETURNING name, version, doc, updated_at, updated_by`;
export const STRATEGY_UPDATE = `UPDATE strategy_state SET version = version + 1, doc = ?, updated_at = ?, updated_by = ?
  WHERE name = ? AND version = ?
  RETURNING name, version, doc, updated_at, updated_by`;
export const STRATEGY_EVENT_INSERT = `INSERT INTO strategy_state_events (name, version, action, key, reason, by, at)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;
export const STRATEGY_EVENTS_AFTER = `SELECT id, name, version, action, key, reason, by, at FROM strategy_state_events
  WHERE name = ? AND version > ? ORDER BY id LIMIT ?`;
export const STRATEGY_EVENTS_RECENT = `SELECT * FROM (SELECT id, name, version, action, key, reason, by, at
  FROM strategy_state_events WHERE name = ? ORDER BY id DESC LIMIT ?) ORDER BY id`;

const BREAKER_COLS = 'account, breaker, version, state, until, by, at, prober, probe_until';
export const BREAKER_GET = `SELECT ${BREAKER_COLS} FROM shared_breakers WHERE account = ? AND breaker = ?`;
export const BREAKER_OPEN = `INSERT INTO shared_breakers AS b (account, breaker, version, state, until, by, at)
  VALUES (?, ?, 1, 'open', ?, ?, ?)
  ON CONFLICT (account, breaker) DO UPDATE SET version = b.version + 1, state = 'open', until = excluded.until,
    by = excluded.by, at = excluded.at, prober = NULL, probe_until = 0
  WHERE b.state = 'closed' OR b.until < excluded.until
  RETURNING ${BREAKER_COLS}`;
export const BREAKER_CLOSE = `UPDATE shared_breakers SET version = version + 1, state = 'closed', until = 0,
    by = ?, at = ?, prober = NULL, probe_until = 0
  WHERE account = ? AND breaker = ? AND version = ? AND state = 'open'
  RETURNING ${BREAKER_COLS}`;
export const BREAKER_CLAIM = `UPDATE shared_breakers SET prober = ?, probe_until = ?
  WHERE account = ? AND breaker = ? AND state = 'open' AND (prober IS NULL OR prober = ? OR probe_until <= ?)
  RETURNING ${BREAKER_COLS}`;

type Run = <T>(fn: () => T) => Promise<T>;

/**
 * The strategy state on SQLite (the same contract as PostgreSQL; the default wiring on one host
 * keeps the state file, see docs/strategy.md). A write is one IMMEDIATE transaction.
 */
export function sqliteStrategyStateRepo(db: BetterSqlite3.Database, run: Run): StrategyStateRepo {
  const prepare = lazyPrepare(db);
  const s = {
    get: prepare<[string], StrategyRow>(STRATEGY_GET),
    insert: prepare<unknown[], StrategyRow>(STRATEGY_INSERT),
    update: prepare<unknown[], StrategyRow>(STRATEGY_UPDATE),
    event: prepare(STRATEGY_EVENT_INSERT),
    after: prepare<[string, number, number], StrategyStateEvent>(STRATEGY_EVENTS_AFTER),
    recent: prepare<[string, number], StrategyStateEvent>(STRATEGY_EVENTS_RECENT),
  };
  const put = db.transaction(
    (
      name: string,
      expected: number,
      text: string,
      events: Parameters<StrategyStateRepo['put']>[3],
      by: string,
    ) => {
      const at = Date.now();
      const r =
        expected === 0 ? s.insert.get(name, text, at, by) : s.update.get(text, at, by, name, expected);
      if (r === undefined) {
        const cur = s.get.get(name);
        return {
          ok: false as const,
          current: cur ? toState(cur) : null,
          since: s.after.all(name, expected, 1000),
        };
      }
      for (const e of events) s.event.run(name, r.version, e.action, e.key, e.reason, e.by, e.at);
      return { ok: true as const, state: toState(r) };
    },
  );
  return {
    get: (name) =>
      run(() => {
        const r = s.get.get(name);
        return r ? toState(r) : null;
      }),
    put: (name, expected, doc, events, by) =>
      run(() => put.immediate(name, expected, JSON.stringify(doc), events, by)),
    history: (name, opts = {}) => run(() => s.after.all(name, opts.afterVersion ?? 0, opts.limit ?? 1000)),
    recent: (name, limit) => run(() => s.recent.all(name, limit)),
  };
}

/** The shared breakers on SQLite: each change one conditional statement (the claim's clock is the store's). */
export function sqliteSharedBreakerRepo(
  db: BetterSqlite3.Database,
  run: Run,
  clock: Clock,
): SharedBreakerRepo {
  const prepare = lazyPrepare(db);
  const s = {
    get: prepare<[string, string], BreakerRow>(BREAKER_GET),
    open: prepare<unknown[], BreakerRow>(BREAKER_OPEN),
    close: prepare<unknown[], BreakerRow>(BREAKER_CLOSE),
    claim: prepare<unknown[], BreakerRow>(BREAKER_CLAIM),
  };
  const get = (account: string, breaker: string) => {
    const r = s.get.get(account, breaker);
    return r ? toBreaker(r) : null;
  };
  return {
    get: (account, breaker) => run(() => get(account, breaker)),
    open: (account, breaker, ch) =>
      run(() => {
        const r = s.open.get(account, breaker, ch.until, ch.by, ch.at);
        return r
          ? { changed: true, record: toBreaker(r) }
          : { changed: false, record: get(account, breaker)! };
      }),
    close: (account, breaker, expected, ch) =>
      run(() => {
        const r = s.close.get(ch.by, ch.at, account, breaker, expected);
        return r ? { ok: true, record: toBreaker(r) } : { ok: false, record: get(account, breaker) };
      }),
    claimProbe: (account, breaker, owner, leaseMs) =>
      run(() => {
        const now = clock.now();
        const r = s.claim.get(owner, now + Math.round(leaseMs), account, breaker, owner, now);
        return r
          ? { ok: true as const, record: toBreaker(r) }
          : { ok: false as const, record: get(account, breaker) };
      }),
  };
}
