import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Store } from '../store/index.js';
import type { KillSwitch } from '../killswitch/index.js';
import type { HeartbeatFilePolicy } from '../heartbeat/index.js';
import type { Clock } from '../util/clock.js';
import { useJsonBodies } from './json-body.js';
import { DEFAULT_HTTP_LIMITS, LimitedServers, type HttpLimits } from './http-limits.js';
import { AuthGuard, type BadTokenLimit } from './auth-guard.js';
import { collectRoutes } from './openapi.js';
import { validationMessage } from './validation-error.js';
import type { DaemonEvents } from './daemon-events.js';
import type { WardenLogger } from './logger.js';
import type { RouteContext } from './routes/route-context.js';
import { registerKillSwitchRoutes } from './routes/killswitch-routes.js';
import { registerHeartbeatRoutes } from './routes/heartbeat-routes.js';
import {
  registerGuardRoute,
  registerStrategyRoutes,
  type StrategyRoutesOptions,
} from './routes/strategy-routes.js';
import { registerDlqRoutes, type DlqRoutesOptions } from './routes/dlq-routes.js';
import { registerDecisionRoutes, type DecisionsSource } from './routes/decision-routes.js';
import { registerEventRoutes } from './routes/event-routes.js';
import { registerOpsRoutes } from './routes/ops-routes.js';

/** A group of routes that plugs into the API with one call (e.g. the gate's `registerGateRoutes`). */
export type RouteGroup = (ctx: RouteContext) => void;

/** What the HTTP API needs. Every optional part left out leaves its routes out (404). */
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
  /** Bad tokens per remote address before 429 (default 10 per minute). */
  readonly badTokenLimit?: BadTokenLimit;
  readonly clock?: Clock;
  readonly strategy?: StrategyRoutesOptions;
  readonly dlq?: DlqRoutesOptions;
  readonly decisions?: DecisionsSource;
  readonly events?: DaemonEvents;
  readonly metrics?: Registry;
  readonly logger?: WardenLogger;
  /** Further route groups (gate, modes, breakers), registered after the built-in ones. */
  readonly routes?: readonly RouteGroup[];
  /** Called once per appended decision (the daemon publishes it as an event and a metric). */
  readonly onDecision?: (head: { seq: number; hash: string }, kind: string) => void;
  /** Version in the OpenAPI document. */
  readonly version?: string;
}

const serversOf = new WeakMap<FastifyInstance, LimitedServers>();

/**
 * The daemon's HTTP API, versioned under `/v1` (`/api/*` kept as aliases). Reads are open on
 * the loopback interface; every mutating route needs `Authorization: Bearer <token>`, compared
 * in constant time and never logged, and so does every route when `readsNeedToken()` says so.
 * Repeated bad tokens from one address get 429. Bodies, params and queries are validated by each
 * route's JSON Schema (400 naming the field); the same schemas make `/v1/openapi.json`.
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
  collectRoutes(app);
  const log = opts.logger;

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation) return reply.code(400).send(validationMessage(err));
    const code = err.statusCode ?? 500;
    if (code >= 500) log?.error({ err, method: req.method, url: req.routeOptions.url }, 'request failed');
    return reply.code(code).send({ error: code >= 500 ? `internal error: ${err.message}` : err.message });
  });

  const guard = new AuthGuard(opts.token, opts.badTokenLimit, opts.clock);
  const readsNeedToken = opts.readsNeedToken;
  if (readsNeedToken) {
    app.addHook('onRequest', async (req, reply) => {
      // Mutations check the token in their own hook (once, so a failure counts once); `public`
      // routes (the dashboard's static files, which hold no data) need none.
      const auth = (req.routeOptions.config as { auth?: string }).auth;
      if (auth === 'write' || auth === 'public' || !readsNeedToken()) return;
      await guard.require(req, reply);
      if (reply.sent) return reply;
    });
  }
  const requireToken = async (
    req: Parameters<AuthGuard['require']>[0],
    reply: Parameters<AuthGuard['require']>[1],
  ) => {
    if (guard.passes(req)) return; // the right token: no inner hook, no second promise
    await guard.require(req, reply);
    if (reply.sent) return reply;
  };

  const ctx: RouteContext = {
    app,
    store: opts.store,
    killSwitch: opts.killSwitch,
    dataDir: opts.dataDir,
    requireToken,
    guard,
  };
  registerOpsRoutes(ctx, opts.metrics, opts.version ?? '0');
  registerKillSwitchRoutes(ctx);
  registerGuardRoute(ctx);
  registerHeartbeatRoutes(ctx, opts.heartbeatFiles);
  if (opts.strategy) registerStrategyRoutes(ctx, opts.strategy);
  if (opts.dlq) registerDlqRoutes(ctx, opts.dlq);
  if (opts.decisions) registerDecisionRoutes(ctx, opts.decisions, opts.onDecision);
  if (opts.events) registerEventRoutes(ctx, opts.events);
  for (const group of opts.routes ?? []) group(ctx);
  return app;
}

/**
 * Closes the API: stops accepting, gives requests in flight `graceMs`, then cuts every
 * connection still open (slow clients and event streams included), so a shutdown never waits on a client.
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
