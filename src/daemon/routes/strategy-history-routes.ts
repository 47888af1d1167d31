import { statSync } from 'node:fs';
import type { StrategySection } from '../../config/index.js';
import type { StrategyStateEvent, StrategyStateRepo } from '../../store/index.js';
import { DAY_MS, loadHistory, walkGroup, type TradeHistory } from '../../strategy/index.js';
import type { RouteGroup } from '../http-api.js';
import { ERROR_SCHEMA } from './route-context.js';

/** One strategy key's recent history, as the dashboard charts it. */
export interface StrategyHistory {
  readonly key: string;
  /** Cumulative P&L (currency units: Σ pnl × size / 100) at the end of each day, from `from`. */
  readonly pnl: readonly number[];
  /** Days (indexes into `pnl`) on which the configured rules trip or recover the key. */
  readonly trips: readonly number[];
  readonly recoveries: readonly number[];
}

/**
 * One recorded change of the strategy state: a store audit row (`strategyState.recent`; the
 * strategy's name is the response's) with its time (`at`, the writer's clock) also as ISO text.
 */
export type RecordedStrategyChange = Omit<StrategyStateEvent, 'name'> & { readonly time: string };

/** The `changes` field: the store's newest audit rows of the strategy state, oldest first. */
export type RecordedChanges =
  | { readonly status: 'ok'; readonly name: string; readonly events: readonly RecordedStrategyChange[] }
  | { readonly status: 'unreadable'; readonly name: string; readonly error: string };

/** The `tradeLog` field: whether this host's trade log could be replayed. */
export type TradeLogStatus =
  | { readonly status: 'ok'; readonly path: string }
  | { readonly status: 'missing' | 'unreadable'; readonly path: string; readonly error: string };

type Replayed = { from: string; days: number; strategies: StrategyHistory[] };
type Replay =
  | { readonly log: Extract<TradeLogStatus, { status: 'ok' }>; readonly replayed: Replayed }
  | { readonly log: Exclude<TradeLogStatus, { status: 'ok' }>; readonly replayed: null };

/** The last `days` days of `h`, per key: cumulative P&L and the days the rules trip and recover it. */
function replay(h: TradeHistory, s: StrategySection, days: number): Replayed {
  const rules = { trip: s.trip, recover: s.recover, minN: s.minN, windowDays: s.windowDays };
  const first = Math.max(0, h.days - days);
  const strategies: StrategyHistory[] = h.groups.map((g) => {
    const run = walkGroup(g, rules, h.days);
    const pnl: number[] = [];
    let sum = 0;
    for (let d = 0; d < h.days; d++) {
      sum += (g.pnl[d] as number) / 100;
      if (d >= first) pnl.push(Math.round(sum * 100) / 100);
    }
    const inRange = (xs: number[]) => xs.filter((d) => d >= first).map((d) => d - first);
    return { key: g.key, pnl, trips: inRange(run.trips), recoveries: inRange(run.recoveries) };
  });
  return {
    from: new Date((h.firstDay + first) * DAY_MS).toISOString().slice(0, 10),
    days: h.days - first,
    strategies,
  };
}

/** The store's newest `limit` audit rows of state `name`; a store that cannot be read says so. */
async function recordedChanges(
  repo: StrategyStateRepo,
  name: string,
  limit: number,
): Promise<RecordedChanges> {
  if (limit === 0) return { status: 'ok', name, events: [] };
  try {
    const rows = await repo.recent(name, limit);
    const events = rows.map((e) => ({
      id: Number(e.id),
      version: Number(e.version),
      action: e.action,
      key: e.key,
      reason: e.reason,
      by: e.by,
      at: Number(e.at),
      time: new Date(Number(e.at)).toISOString(),
    }));
    return { status: 'ok', name, events };
  } catch (err) {
    return { status: 'unreadable', name, error: `the store's strategy history: ${(err as Error).message}` };
  }
}

/**
 * `GET /v1/strategies/history?days=N&changes=M`: per strategy key, the cumulative P&L of the last
 * N days of this host's trade log and the days the configured rules (trip, recover, minN,
 * windowDays) trip and recover it, replayed from the whole log the way `warden tune` does; and
 * `changes`, the store's M newest audit rows of the strategy state (every evaluation's trips and
 * recoveries, every manual block and unblock: who, when, why, the version written), which in fleet
 * mode is the record every host shares. Without a readable trade log here (a fleet host that only
 * runs bots) it still answers 200 when the store has changes (`strategies` empty, `tradeLog`
 * saying why); with neither, 404 (no log) or 503 (an unreadable one) as before. The log is read
 * again only when its size or mtime changed; the read is synchronous (the dashboard asks rarely).
 */
export function strategyHistoryRoutes(s: StrategySection, tradesPath: string): RouteGroup {
  let cached: { stamp: string; h: TradeHistory } | null = null;
  const history = (): TradeHistory => {
    const st = statSync(tradesPath);
    const stamp = `${st.size}:${st.mtimeMs}`;
    if (cached?.stamp !== stamp)
      cached = {
        stamp,
        h: loadHistory(tradesPath, { groupBy: s.groupBy, fields: s.fields, format: s.format }),
      };
    return cached.h;
  };
  const tradeLog = (days: number): Replay => {
    try {
      return { log: { status: 'ok', path: tradesPath }, replayed: replay(history(), s, days) };
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      const error = missing
        ? `no trade log at ${tradesPath}`
        : `trade log ${tradesPath}: ${(err as Error).message}`;
      return { log: { status: missing ? 'missing' : 'unreadable', path: tradesPath, error }, replayed: null };
    }
  };
  return (ctx) => {
    ctx.app.get<{ Querystring: { days: number; changes: number } }>(
      '/v1/strategies/history',
      {
        schema: {
          summary:
            "Per strategy key: cumulative P&L by day and the trips and recoveries of the configured rules; the store's recorded changes",
          tags: ['strategy'],
          querystring: {
            type: 'object',
            properties: {
              days: { type: 'integer', minimum: 1, maximum: 3660, default: 90 },
              changes: { type: 'integer', minimum: 0, maximum: 1000, default: 100 },
            },
          },
          response: { 404: ERROR_SCHEMA, 503: ERROR_SCHEMA },
        },
      },
      async (req, reply) => {
        const r = tradeLog(req.query.days);
        const changes = await recordedChanges(ctx.store.strategyState, s.stateKey, req.query.changes);
        if (r.replayed !== null) return { ...r.replayed, tradeLog: r.log, changes };
        if (changes.status !== 'ok' || changes.events.length === 0)
          return reply.code(r.log.status === 'missing' ? 404 : 503).send({ error: r.log.error });
        const from = new Date().toISOString().slice(0, 10);
        return { from, days: 0, strategies: [], tradeLog: r.log, changes };
      },
    );
  };
}
