import type { FastifyReply } from 'fastify';
import type { Gate, GateCheckIntent, GateDecision } from '../../gate/index.js';
import type { RouteGroup } from '../http-api.js';
import { BEARER, ERROR_SCHEMA, WRITE } from './route-context.js';

/** What the gate route needs of a gate: its decision, and the explained one when asked. */
export type GateSource = Pick<Gate, 'check' | 'explain'>;

/** The intent `POST /v1/gate` takes: a `GateCheckIntent`, validated field by field. */
export const GATE_INTENT_SCHEMA = {
  type: 'object',
  properties: {
    symbol: { type: 'string', minLength: 1, maxLength: 64 },
    side: { type: 'string', enum: ['buy', 'sell'] },
    amount: { type: 'number', exclusiveMinimum: 0 },
    price: { type: 'number', exclusiveMinimum: 0 },
    reduceOnly: { type: 'boolean' },
    cancel: { type: 'boolean' },
    strategy: { type: 'string', minLength: 1, maxLength: 256 },
    idempotencyKey: { type: 'string', minLength: 1, maxLength: 256 },
    type: { type: 'string', maxLength: 32 },
  },
  required: ['symbol', 'side', 'amount'],
} as const;

/**
 * `POST /v1/gate`: the gate's decision for an intent, `{allow, reason, layer}` (and `retryAfter`
 * from a dependency breaker); with `?explain=true`, every layer's verdict and inputs as well.
 * **200 allow, 403 deny**, like `/v1/guard`, so `curl -f` fails closed. The decision counts as
 * one the bot acts on (the rate limit counts it, the decision log records it): a mutation, so it
 * needs the token. `onDecision` sees every decision and its intent (the daemon counts them by layer
 * and reason, and puts them on `/v1/events`).
 */
export function gateRoutes(
  gate: GateSource,
  onDecision?: (d: GateDecision, intent: GateCheckIntent) => void,
): RouteGroup {
  return (ctx) => {
    ctx.app.post<{ Body: GateCheckIntent; Querystring: { explain: boolean } }>(
      '/v1/gate',
      {
        schema: {
          summary: "The pre-trade gate's decision for an intent (200 allow, 403 deny)",
          tags: ['gate'],
          security: BEARER,
          querystring: {
            type: 'object',
            properties: {
              explain: {
                type: 'boolean',
                default: false,
                description: "add every layer's verdict and inputs (`layers`, `intent`, `at`)",
              },
            },
          },
          body: GATE_INTENT_SCHEMA,
          response: { 400: ERROR_SCHEMA },
        },
        config: WRITE,
        onRequest: ctx.requireToken,
      },
      (req, reply: FastifyReply) => {
        const d = req.query.explain ? gate.explain(req.body) : gate.check(req.body);
        onDecision?.(d, req.body);
        return reply.code(d.allow ? 200 : 403).send(d);
      },
    );
  };
}
