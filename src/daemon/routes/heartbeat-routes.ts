import { HeartbeatWriter, type HeartbeatFilePolicy } from '../../heartbeat/index.js';
import { BEARER, ERROR_SCHEMA, WRITE, type RouteContext } from './route-context.js';

const schema = {
  summary: 'Record a heartbeat for NAME (the HTTP twin of `warden heartbeat NAME`)',
  tags: ['heartbeat'],
  security: BEARER,
  params: {
    type: 'object',
    properties: { name: { type: 'string', minLength: 1, maxLength: 128 } },
    required: ['name'],
  },
  body: {
    type: ['object', 'null'],
    properties: {
      status: { type: 'string', minLength: 1, maxLength: 64, default: 'ok' },
      extra: { type: 'object', additionalProperties: true },
    },
  },
  response: { 400: ERROR_SCHEMA },
} as const;

/** `POST /v1/heartbeat/:name` (alias `POST /api/heartbeat/:name`). */
export function registerHeartbeatRoutes(ctx: RouteContext, files?: HeartbeatFilePolicy): void {
  const hb = new HeartbeatWriter({ store: ctx.store, dataDir: ctx.dataDir, ...files });
  for (const [url, hide] of [
    ['/v1/heartbeat/:name', false],
    ['/api/heartbeat/:name', true],
  ] as const) {
    ctx.app.post<{
      Params: { name: string };
      Body: { status?: string; extra?: Record<string, unknown> } | null;
    }>(
      url,
      { schema: { ...schema, hide }, config: WRITE, onRequest: ctx.requireToken },
      async (req, reply) => {
        try {
          return await hb.beat(req.params.name, req.body?.status ?? 'ok', req.body?.extra ?? {});
        } catch (err) {
          if (err instanceof RangeError) return reply.code(400).send({ error: err.message });
          throw err;
        }
      },
    );
  }
}
