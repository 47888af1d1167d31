import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Store } from '../store/index.js';
import type { KillSwitch } from '../killswitch/index.js';
import { ResumeConflictError, ResumeRefusedError } from '../killswitch/index.js';
import { HeartbeatWriter, type HeartbeatFilePolicy } from '../heartbeat/index.js';
import { bearer, tokenMatches } from './token.js';
import { useJsonBodies } from './json-body.js';
import { DEFAULT_HTTP_LIMITS, LimitedServers, type HttpLimits } from './http-limits.js';

/** What the HTTP API needs. */
export interface HttpApiOptions {
  readonly store: Store;
  readonly killSwitch: KillSwitch;
  readonly dataDir: string;
  /** The token mutating endpoints require; undefined = they all answer 401. */
  readonly token: string | undefined;
  /** Timeouts and the connection cap (default `DEFAULT_HTTP_LIMITS`). */
  readonly limits?: HttpLimits;
  /** Asked on every request: true = reads need the token too (the API is bound beyond loopback). */
  readonly readsNeedToken?: () => boolean;
  /** Which heartbeat files a beat may write (default: `bot` writes heartbeat.json, nothing watched). */
  readonly heartbeatFiles?: HeartbeatFilePolicy;
}

const serversOf = new WeakMap<FastifyInstance, LimitedServers>();

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The daemon's HTTP API. Reads are open on the loopback interface; every mutating endpoint
 * needs `Authorization: Bearer <token>`, compared in constant time and never logged, and so
 * does every route when `readsNeedToken()` says so. Bodies are JSON whatever their content type.
 */
export function buildHttpApi(opts: HttpApiOptions): FastifyInstance {
  const limits = opts.limits ?? DEFAULT_HTTP_LIMITS;
  const servers = new LimitedServers(limits);
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    serverFactory: servers.factory,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
  });
  serversOf.set(app, servers);
  useJsonBodies(app);
  const hb = new HeartbeatWriter({ store: opts.store, dataDir: opts.dataDir, ...opts.heartbeatFiles });

  const requireToken = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!tokenMatches(bearer(req.headers.authorization), opts.token)) {
      await reply.code(401).send({
        error: opts.token
          ? 'missing or invalid token'
          : 'no API token configured (set the env var named by daemon.tokenEnv)',
      });
    }
  };

  const readsNeedToken = opts.readsNeedToken;
  if (readsNeedToken) {
    app.addHook('onRequest', async (req, reply) => {
      if (!readsNeedToken()) return;
      await requireToken(req, reply);
      if (reply.sent) return reply;
    });
  }

  app.get('/healthz', () => ({ ok: true }));

  app.get('/api/status', async () => {
    const state = await opts.killSwitch.refresh();
    const [heartbeats, incidents, recent] = await Promise.all([
      opts.store.heartbeats.list(),
      opts.store.incidents.list(),
      opts.store.killSwitch.history(20),
    ]);
    return { ...state, heartbeats, incidents, recent };
  });

  app.post('/api/trip', { preHandler: requireToken }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const reason = str(body['reason'])?.trim();
    if (!reason) return reply.code(400).send({ error: 'reason: required (a non-empty string)' });
    const r = await opts.killSwitch.trip({
      reason,
      by: str(body['by']) ?? 'api',
      flatten: body['flatten'] === true,
    });
    return r;
  });

  app.post('/api/resume', { preHandler: requireToken }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    // The halt being cleared, as GET /api/status showed it (its eventId): compare-and-set.
    const haltId = body['haltId'];
    if (haltId !== null && !(typeof haltId === 'number' && Number.isSafeInteger(haltId) && haltId > 0)) {
      return reply.code(400).send({
        error:
          'haltId: required: the eventId of the halt you are clearing, from GET /api/status (null if it shows none)',
      });
    }
    try {
      const event = await opts.killSwitch.resume({
        reason: str(body['reason']) ?? '',
        by: str(body['by']) ?? '',
        haltId,
      });
      return { event, state: opts.killSwitch.state() };
    } catch (err) {
      if (err instanceof ResumeRefusedError) return reply.code(400).send({ error: err.message });
      if (err instanceof ResumeConflictError)
        return reply.code(409).send({ error: err.message, haltId: err.latest?.id ?? null, since: err.since });
      throw err;
    }
  });

  app.post<{ Params: { name: string } }>(
    '/api/heartbeat/:name',
    { preHandler: requireToken },
    async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const extra = body['extra'];
      if (extra !== undefined && (extra === null || typeof extra !== 'object' || Array.isArray(extra))) {
        return reply.code(400).send({ error: 'extra: expected a JSON object' });
      }
      try {
        return await hb.beat(
          req.params.name,
          str(body['status']) ?? 'ok',
          (extra ?? {}) as Record<string, unknown>,
        );
      } catch (err) {
        if (err instanceof RangeError) return reply.code(400).send({ error: err.message });
        throw err;
      }
    },
  );

  return app;
}

/**
 * Closes the API: stops accepting, gives requests in flight `graceMs`, then cuts every
 * connection still open (slow clients included), so a shutdown never waits on a client.
 */
export async function closeHttpApi(app: FastifyInstance, graceMs: number): Promise<void> {
  const closing = app.close();
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
  await Promise.race([closing, grace]);
  clearTimeout(timer);
  serversOf.get(app)?.destroyAll();
  await closing;
}

/** Connections the API holds open now (for tests and metrics). */
export function openConnections(app: FastifyInstance): number {
  return serversOf.get(app)?.open ?? 0;
}
