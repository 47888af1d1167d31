import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { Store } from '../../store/index.js';
import type { KillSwitch } from '../../killswitch/index.js';
import type { AuthGuard } from '../auth-guard.js';

/** What every group of routes is given. */
export interface RouteContext {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly killSwitch: KillSwitch;
  readonly dataDir: string;
  /** The onRequest hook of every mutating route: bearer token, rate-limited failures. */
  readonly requireToken: onRequestAsyncHookHandler;
  readonly guard: AuthGuard;
}

/** The route config that marks a mutation (the open-reads hook leaves those to `requireToken`). */
export const WRITE = { auth: 'write' } as const;

/** The route config of a file that holds no data (the dashboard's page): open even beyond loopback. */
export const PUBLIC = { auth: 'public' } as const;

/** The OpenAPI security requirement of a mutating route. */
export const BEARER = [{ bearer: [] }];

/** `{ error }`, the body of every 4xx/5xx answer. */
export const ERROR_SCHEMA = {
  type: 'object',
  properties: { error: { type: 'string' }, field: { type: 'string' } },
  required: ['error'],
} as const;
