import type { HeartbeatExpectation } from '../../config/index.js';
import type { Clock } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import type { RouteGroup } from '../http-api.js';

/** One heartbeat as `GET /v1/heartbeats` shows it: its age against its limit. */
export interface HeartbeatAge {
  readonly name: string;
  readonly status: string | null;
  /** When the store received the last report (ms), or null: never. */
  readonly receivedAt: number | null;
  readonly ageMs: number | null;
  /** How old it may get before it is late (`periodSec + graceSec`); null for a cron schedule or an unconfigured name. */
  readonly maxAgeMs: number | null;
  readonly configured: boolean;
}

/**
 * `GET /v1/heartbeats`: every configured heartbeat (and any other name the store has seen) with
 * its age and the limit it is judged against, for the dashboard's colours. The watchdog stays the
 * judge: an open incident is in `GET /v1/killswitch`.
 */
export function heartbeatStatusRoutes(
  expectations: readonly HeartbeatExpectation[],
  clock: Clock = systemClock,
): RouteGroup {
  return (ctx) => {
    ctx.app.get(
      '/v1/heartbeats',
      { schema: { summary: 'Heartbeat ages and their limits', tags: ['heartbeat'] } },
      async () => {
        const now = clock.now();
        const seen = new Map((await ctx.store.heartbeats.list()).map((h) => [h.name, h]));
        const names = [...new Set([...expectations.map((e) => e.name), ...seen.keys()])];
        const byName = new Map(expectations.map((e) => [e.name, e]));
        const heartbeats: HeartbeatAge[] = names.map((name) => {
          const h = seen.get(name);
          const e = byName.get(name);
          return {
            name,
            status: h?.status ?? null,
            receivedAt: h?.receivedAt ?? null,
            ageMs: h ? Math.max(0, now - h.receivedAt) : null,
            maxAgeMs: e?.periodSec !== undefined ? (e.periodSec + e.graceSec) * 1000 : null,
            configured: e !== undefined,
          };
        });
        return { now, heartbeats };
      },
    );
  };
}
