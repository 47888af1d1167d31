import { readFile } from 'node:fs/promises';
import type { StrategyBreaker } from '../../strategy/index.js';
import { isSection, sectionKeyOf } from '../../strategy/index.js';
import type { OrderEffect } from '../../killswitch/index.js';
import { ERROR_SCHEMA, type RouteContext } from './route-context.js';

/** The strategy breaker as the daemon holds it. */
export interface StrategyRoutesOptions {
  /** The runtime check, kept current by its file watch: `GET /v1/check/:key` only reads memory. */
  readonly breaker: StrategyBreaker;
  readonly statePath: string;
  readonly stateKey: string;
}

const VERDICT = {
  type: 'object',
  properties: { allow: { type: 'boolean' }, reason: { type: 'string' } },
  required: ['allow', 'reason'],
} as const;

/**
 * `GET /v1/check/:key` (the strategy breaker, as `warden check KEY`) and `GET /v1/strategies`
 * (the state file's entries). Allow answers 200, deny 403, both with `{allow, reason}`, so
 * `curl -f` fails on a deny.
 */
export function registerStrategyRoutes(ctx: RouteContext, s: StrategyRoutesOptions): void {
  ctx.app.get<{ Params: { key: string } }>(
    '/v1/check/:key',
    {
      schema: {
        summary: 'Strategy breaker: may KEY trade? (fails open, with a *_fail_open reason)',
        tags: ['strategy'],
        params: { type: 'object', properties: { key: { type: 'string', minLength: 1, maxLength: 256 } } },
        response: { 200: VERDICT, 403: VERDICT, 400: ERROR_SCHEMA },
      },
    },
    (req, reply) => {
      const r = s.breaker.check(req.params.key);
      return reply.code(r.allow ? 200 : 403).send(r);
    },
  );

  ctx.app.get(
    '/v1/strategies',
    {
      schema: {
        summary: "The strategy breaker's state file: every key's status, ROI and sample size",
        tags: ['strategy'],
      },
    },
    async (_req, reply) => {
      let state: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(await readFile(s.statePath, 'utf8'));
        if (!isSection(parsed)) throw new Error('not a JSON object');
        state = parsed;
      } catch (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        return reply.code(missing ? 404 : 503).send({
          error: missing
            ? `no strategy state at ${s.statePath} (the runtime check fails open: state_missing_fail_open)`
            : `strategy state ${s.statePath} is unreadable: ${(err as Error).message}`,
        });
      }
      const key = sectionKeyOf(state, s.stateKey);
      return {
        as_of: state['as_of'] ?? null,
        as_of_unix: state['as_of_unix'] ?? null,
        stateKey: key,
        strategies: isSection(state[key]) ? state[key] : {},
      };
    },
  );
}

const EFFECTS: readonly OrderEffect[] = ['new_risk', 'reduce_only', 'cancel'];

/**
 * `GET /v1/guard?effect=new_risk|reduce_only|cancel`: may an order with this effect go out now
 * (the kill switch, as `warden guard`)? 200 allow, 403 deny, with `{allow, reason, halted}`.
 * Answered from the kill switch's cached state (kept current by its poll), no I/O.
 */
export function registerGuardRoute(ctx: RouteContext): void {
  const body = {
    type: 'object',
    properties: { allow: { type: 'boolean' }, reason: { type: 'string' }, halted: { type: 'boolean' } },
    required: ['allow', 'reason', 'halted'],
  } as const;
  ctx.app.get<{ Querystring: { effect: OrderEffect } }>(
    '/v1/guard',
    {
      schema: {
        summary: 'Kill switch: may an order with this effect go out now?',
        tags: ['killswitch'],
        querystring: {
          type: 'object',
          properties: { effect: { type: 'string', enum: [...EFFECTS], default: 'new_risk' } },
        },
        response: { 200: body, 403: body, 400: ERROR_SCHEMA },
      },
    },
    (req, reply) => {
      const d = ctx.killSwitch.allows(req.query.effect);
      return reply
        .code(d.allow ? 200 : 403)
        .send({ allow: d.allow, reason: d.reason, halted: ctx.killSwitch.isHalted() });
    },
  );
}
