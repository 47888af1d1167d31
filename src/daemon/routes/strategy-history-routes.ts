import { statSync } from 'node:fs';
import type { StrategySection } from '../../config/index.js';
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
 * `GET /v1/strategies/history?days=N`: per strategy key, the cumulative P&L of the last N days of
 * the trade log and the days the configured rules (trip, recover, minN, windowDays) trip and
 * recover it, replayed from the whole log the way `warden tune` does. The log is read again only
 * when its size or mtime changed; the read is synchronous (the dashboard asks rarely).
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
  return (ctx) => {
    ctx.app.get<{ Querystring: { days: number } }>(
      '/v1/strategies/history',
      {
        schema: {
          summary:
            'Per strategy key: cumulative P&L by day and the trips and recoveries of the configured rules',
          tags: ['strategy'],
          querystring: {
            type: 'object',
            properties: { days: { type: 'integer', minimum: 1, maximum: 3660, default: 90 } },
          },
          response: { 404: ERROR_SCHEMA, 503: ERROR_SCHEMA },
        },
      },
      (req, reply) => {
        let h: TradeHistory;
        try {
          h = history();
        } catch (err) {
          const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
          return reply.code(missing ? 404 : 503).send({
            error: missing
              ? `no trade log at ${tradesPath}`
              : `trade log ${tradesPath}: ${(err as Error).message}`,
          });
        }
        const rules = { trip: s.trip, recover: s.recover, minN: s.minN, windowDays: s.windowDays };
        const first = Math.max(0, h.days - req.query.days);
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
      },
    );
  };
}
