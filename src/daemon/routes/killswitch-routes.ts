import { ResumeConflictError, ResumeRefusedError } from '../../killswitch/index.js';
import { BEARER, ERROR_SCHEMA, WRITE, type RouteContext } from './route-context.js';

const HALT_ID = {
  anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }],
  description: 'the eventId of the halt being cleared, as GET /v1/killswitch shows it (null if none)',
} as const;

const tripBody = {
  type: 'object',
  properties: {
    reason: { type: 'string', minLength: 1, pattern: '\\S', maxLength: 2000 },
    by: { type: 'string', minLength: 1, maxLength: 200 },
    flatten: { type: 'boolean' },
  },
  required: ['reason'],
} as const;

const resumeBody = {
  type: 'object',
  properties: {
    reason: { type: 'string', minLength: 1, pattern: '\\S', maxLength: 2000 },
    by: { type: 'string', minLength: 1, pattern: '\\S', maxLength: 200 },
    haltId: HALT_ID,
  },
  required: ['reason', 'by', 'haltId'],
} as const;

/** `POST /v1/killswitch`: `{action: "trip", reason, by?, flatten?}` or `{action: "resume", reason, by, haltId}`. */
const postBody = {
  type: 'object',
  properties: {
    action: { type: 'string', enum: ['trip', 'resume'] },
    reason: { type: 'string', minLength: 1, pattern: '\\S', maxLength: 2000 },
    by: { type: 'string', minLength: 1, pattern: '\\S', maxLength: 200 },
    flatten: { type: 'boolean' },
    haltId: HALT_ID,
  },
  required: ['action', 'reason'],
  if: { properties: { action: { const: 'resume' } }, required: ['action'] },
  then: { required: ['by', 'haltId'] },
} as const;

interface Body {
  action?: 'trip' | 'resume';
  reason: string;
  by?: string;
  flatten?: boolean;
  haltId?: number | null;
}

/** `GET/POST /v1/killswitch` (aliases `GET /api/status`, `POST /api/trip`, `POST /api/resume`). */
export function registerKillSwitchRoutes(ctx: RouteContext): void {
  const { app, killSwitch: ks, store } = ctx;

  const status = async () => {
    const state = await ks.refresh();
    const [heartbeats, incidents, recent] = await Promise.all([
      store.heartbeats.list(),
      store.incidents.list(),
      store.killSwitch.history(20),
    ]);
    return { ...state, heartbeats, incidents, recent };
  };
  const trip = (b: Body) =>
    ks.trip({ reason: b.reason.trim(), by: b.by ?? 'api', flatten: b.flatten === true });
  const resume = async (b: Body, reply: import('fastify').FastifyReply) => {
    try {
      const event = await ks.resume({ reason: b.reason, by: b.by ?? '', haltId: b.haltId ?? null });
      return { event, state: ks.state() };
    } catch (err) {
      if (err instanceof ResumeRefusedError) return reply.code(400).send({ error: err.message });
      if (err instanceof ResumeConflictError)
        return reply.code(409).send({ error: err.message, haltId: err.latest?.id ?? null, since: err.since });
      throw err;
    }
  };

  const getSchema = {
    summary: 'Kill switch state, heartbeats, open incidents, recent events',
    tags: ['killswitch'],
  };
  app.get('/v1/killswitch', { schema: getSchema }, status);
  app.get('/api/status', { schema: { ...getSchema, hide: true } }, status);

  app.post<{ Body: Body }>(
    '/v1/killswitch',
    {
      schema: {
        summary: 'Trip (halt trading) or resume (naming the halt it clears: compare-and-set)',
        tags: ['killswitch'],
        security: BEARER,
        body: postBody,
        response: { 400: ERROR_SCHEMA },
      },
      config: WRITE,
      onRequest: ctx.requireToken,
    },
    (req, reply) => (req.body.action === 'resume' ? resume(req.body, reply) : trip(req.body)),
  );
  app.post<{ Body: Body }>(
    '/api/trip',
    { schema: { hide: true, body: tripBody }, config: WRITE, onRequest: ctx.requireToken },
    (req) => trip(req.body),
  );
  app.post<{ Body: Body }>(
    '/api/resume',
    { schema: { hide: true, body: resumeBody }, config: WRITE, onRequest: ctx.requireToken },
    (req, reply) => resume(req.body, reply),
  );
}
