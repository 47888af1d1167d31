import {
  DLQ_STATUSES,
  DlqEntryError,
  intentFromPayload,
  type DeadLetterQueue,
  type DlqStatus,
  type Executor,
} from '../../orders/index.js';
import type { FastifyReply } from 'fastify';
import { BEARER, ERROR_SCHEMA, WRITE, type RouteContext } from './route-context.js';

/** The dead-letter queue as the daemon holds it. */
export interface DlqRoutesOptions {
  readonly dlq: DeadLetterQueue;
  /** The executor a replay of an order on `symbol` goes through; undefined when the daemon has no exchange (replay answers 501). */
  readonly executorFor?: ((symbol: string) => Pick<Executor, 'resubmit'>) | undefined;
}

const ID = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,15}$', description: 'entry id' } },
  required: ['id'],
} as const;

/** `GET /v1/dlq`, `POST /v1/dlq/:id/replay`, `POST /v1/dlq/:id/resolve`. */
export function registerDlqRoutes(ctx: RouteContext, o: DlqRoutesOptions): void {
  registerList(ctx, o);
  registerReplay(ctx, o);
  registerResolve(ctx, o);
}

/** Runs a DLQ change; an entry it refuses (DlqEntryError) is answered 404 (no such entry) or 409. */
async function refusedAs<T>(reply: FastifyReply, change: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await change();
  } catch (err) {
    if (!(err instanceof DlqEntryError)) throw err;
    return reply.code(/no such entry/.test(err.message) ? 404 : 409).send({ error: err.message });
  }
}

function registerList({ app }: RouteContext, o: DlqRoutesOptions): void {
  app.get<{ Querystring: { status?: DlqStatus; limit: number } }>(
    '/v1/dlq',
    {
      schema: {
        summary: 'Dead-letter queue entries, newest first',
        tags: ['orders'],
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: [...DLQ_STATUSES] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
      },
    },
    async (req) => ({ entries: await o.dlq.list({ status: req.query.status, limit: req.query.limit }) }),
  );
}

function registerReplay(ctx: RouteContext, o: DlqRoutesOptions): void {
  ctx.app.post<{ Params: { id: string } }>(
    '/v1/dlq/:id/replay',
    {
      schema: {
        summary: 'Send the entry again through the executor, same idempotency key (the venue is asked first)',
        tags: ['orders'],
        security: BEARER,
        params: ID,
        response: { 404: ERROR_SCHEMA, 409: ERROR_SCHEMA, 501: ERROR_SCHEMA },
      },
      config: WRITE,
      onRequest: ctx.requireToken,
    },
    async (req, reply) => {
      const executorFor = o.executorFor;
      if (executorFor === undefined)
        return reply.code(501).send({
          error:
            'replay needs an exchange and this daemon has none (configure the exchange section); or use `warden dlq replay`',
        });
      return refusedAs(reply, async () => {
        const id = Number(req.params.id);
        const entry = await o.dlq.show(id);
        return o.dlq.replay(id, executorFor(intentFromPayload(entry.payload).symbol));
      });
    },
  );
}

function registerResolve(ctx: RouteContext, o: DlqRoutesOptions): void {
  ctx.app.post<{ Params: { id: string }; Body: { note: string } }>(
    '/v1/dlq/:id/resolve',
    {
      schema: {
        summary: 'Close an open entry by hand with a note (refused while a replay is in flight)',
        tags: ['orders'],
        security: BEARER,
        params: ID,
        body: {
          type: 'object',
          properties: { note: { type: 'string', minLength: 1, pattern: '\\S', maxLength: 2000 } },
          required: ['note'],
        },
        response: { 400: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA },
      },
      config: WRITE,
      onRequest: ctx.requireToken,
    },
    async (req, reply) =>
      refusedAs(reply, async () => ({ entry: await o.dlq.resolve(Number(req.params.id), req.body.note) })),
  );
}
