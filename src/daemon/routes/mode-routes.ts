import type { Freshness } from '../../market/freshness.js';
import type { ModeChange, ModeState } from '../../modes/index.js';
import type { Subscribe } from '../../resilience/event.js';
import type { Clock } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import type { RouteGroup } from '../http-api.js';
import { ERROR_SCHEMA } from './route-context.js';
import { readBotModes } from '../mode-board.js';

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

/** The bots' modes of `GET /v1/mode`: read from the store, each judged against its limit. */
export interface StoredModesOptions {
  /** The limit of a bot's record (ms): `modeMaxAgeFor(config.heartbeats)`. */
  readonly maxAgeFor: (bot: string) => number;
}

/**
 * `GET /v1/mode`: every bot's degradation mode as recorded in the store (`bots`: mode, reason,
 * since; UNKNOWN when the record is older than the bot's heartbeat limit, never FULL), and, when
 * this process has a degradation manager of its own, its mode, reason and since and each instrument
 * in OBSERVATION of its own (a stale feed) at the top level. A store that cannot be read is a 503:
 * the modes are unknown. With neither source it answers 501 saying so.
 */
export function modeRoutes(
  src: ModeSource | undefined,
  clock: Clock = systemClock,
  stored?: StoredModesOptions,
): RouteGroup {
  return (ctx) => {
    ctx.app.get(
      '/v1/mode',
      {
        schema: {
          summary:
            "Every bot's degradation mode from the store (FULL / REDUCE_ONLY / OBSERVATION / SHUTDOWN, UNKNOWN when stale), and this process's own",
          tags: ['modes'],
          response: { 501: ERROR_SCHEMA, 503: ERROR_SCHEMA },
        },
      },
      async (_req, reply) => {
        if (src === undefined && stored === undefined)
          return reply.code(501).send({
            error:
              'this daemon has no degradation manager and reads no bot modes: nothing pushes health signals to it (the bot runs its own modes)',
          });
        const local = src === undefined ? {} : modeView(src, clock.now());
        if (stored === undefined) return local;
        try {
          return { ...local, bots: await readBotModes(ctx.store, stored.maxAgeFor) };
        } catch (err) {
          return reply.code(503).send({
            error: `the bots' modes are unknown: the store cannot be read (${(err as Error).message})`,
          });
        }
      },
    );
  };
}
