import type { StrategyBreaker } from '../../strategy/index.js';
import { isSection, sectionKeyOf } from '../../strategy/index.js';
import type { OrderEffect } from '../../killswitch/index.js';
import { ERROR_SCHEMA, type RouteContext } from './route-context.js';

/** The strategy breaker as the daemon holds it. */
export interface StrategyRoutesOptions {
  /**
   * The runtime check, kept current by its file watch (fleet mode: the change feed and its poll):
   * `GET /v1/check/:key` only reads memory; `GET /v1/strategies` shows its `document()`.
   */
  readonly breaker: Pick<StrategyBreaker, 'check' | 'document'>;
  readonly stateKey: string;
}

const VERDICT = {
  type: 'object',
  properties: { allow: { type: 'boolean' }, reason: { type: 'string' } },
  required: ['allow', 'reason'],
} as const;

/**
 * `GET /v1/check/:key` (the strategy breaker, as `warden check KEY`) and `GET /v1/strategies`
 * (the entries of the state the breaker answers from: the state file, or in fleet mode the
 * store's strategy state). Allow answers 200, deny 403, both with `{allow, reason}`, so
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
        summary:
          "The strategy breaker's state (file, or store in fleet mode): every key's status, ROI and sample size",
        tags: ['strategy'],
      },
    },
    async (_req, reply) => {
      const d = await s.breaker.document();
      if (d.status !== 'ok') return reply.code(d.status === 'missing' ? 404 : 503).send({ error: d.error });
      const state = d.doc;
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
