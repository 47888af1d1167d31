import type { Freshness } from '../../market/freshness.js';
import type { ModeChange, ModeState } from '../../modes/index.js';
import type { Subscribe } from '../../resilience/event.js';
import type { Clock } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import type { RouteGroup } from '../http-api.js';
import { ERROR_SCHEMA } from './route-context.js';

/** What the mode route reads: a `DegradationManager`, and the per-instrument freshness when there is one. */
export interface ModeSource {
  readonly state: ModeState;
  readonly onChange: Subscribe<ModeChange>;
  /** The instruments, each in OBSERVATION while its feed is stale or never ticked (a `Freshness`). */
  readonly instruments?: Pick<Freshness, 'symbols' | 'isStale' | 'ageMs'>;
}

/** `GET /v1/mode`'s answer. */
export interface ModeView {
  readonly mode: ModeState['mode'];
  readonly reason: string;
  readonly detail: string;
  readonly since: number;
  readonly tripEventId: number | null;
  /** Every instrument the freshness layer knows, with its own mode: OBSERVATION when stale. */
  readonly instruments: readonly {
    readonly symbol: string;
    readonly mode: 'FULL' | 'OBSERVATION';
    readonly ageMs: number | null;
  }[];
}

/** The mode as `GET /v1/mode` and the dashboard show it. */
export function modeView(src: ModeSource, now: number): ModeView {
  const s = src.state;
  const f = src.instruments;
  return {
    mode: s.mode,
    reason: s.reason,
    detail: s.detail,
    since: s.since,
    tripEventId: s.mode === 'SHUTDOWN' ? s.tripEventId : null,
    instruments: (f?.symbols() ?? []).sort().map((symbol) => {
      const age = f!.ageMs(symbol, now);
      return {
        symbol,
        mode: f!.isStale(symbol, now) ? 'OBSERVATION' : 'FULL',
        ageMs: Number.isFinite(age) ? age : null,
      };
    }),
  };
}

/**
 * `GET /v1/mode`: the degradation mode, its reason and since when, and each instrument in
 * OBSERVATION of its own (a stale feed). Without a mode source (nothing pushes health signals to
 * this daemon) it answers 501 saying so.
 */
export function modeRoutes(src: ModeSource | undefined, clock: Clock = systemClock): RouteGroup {
  return (ctx) => {
    ctx.app.get(
      '/v1/mode',
      {
        schema: {
          summary: 'The degradation mode (FULL / REDUCE_ONLY / OBSERVATION / SHUTDOWN), and per instrument',
          tags: ['modes'],
          response: { 501: ERROR_SCHEMA },
        },
      },
      (_req, reply) => {
        if (src === undefined)
          return reply.code(501).send({
            error:
              'this daemon has no degradation manager: nothing pushes health signals to it (the bot runs its own modes)',
          });
        return modeView(src, clock.now());
      },
    );
  };
}
