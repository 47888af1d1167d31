// How long the daemon's HTTP server waits for a client and how many it holds at once. Node's
// defaults wait 60 s for headers (checked every 30 s) and hold any number of connections, so
// a few thousand slow-header clients could exhaust the file descriptors and hold a shutdown
// for a minute. These bounds cut them and keep a slot for the operator.
import { createServer, type RequestListener, type Server } from 'node:http';
import { ConnectionGuard } from './connection-guard.js';

/** Timeouts and the connection cap of the HTTP API. */
export interface HttpLimits {
  /** Most connections open at once (at the cap the oldest idle or header-sending one is evicted). */
  readonly maxConnections: number;
  /** A client must have sent its whole request head within this many ms of connecting (else 408). */
  readonly headersTimeoutMs: number;
  /** ... and its whole request, body included, within this many ms. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this many ms. */
  readonly keepAliveTimeoutMs: number;
}

/** The defaults, as in the config schema's `daemon` section. */
export const DEFAULT_HTTP_LIMITS: HttpLimits = Object.freeze({
  maxConnections: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
});

/** Builds HTTP servers with `limits` applied, and can cut every connection they hold. */
export class LimitedServers {
  readonly #limits: HttpLimits;
  readonly #guards: ConnectionGuard[] = [];

  constructor(limits: HttpLimits) {
    for (const [k, v] of Object.entries(limits)) {
      if (!Number.isSafeInteger(v) || (v as number) < 1) {
        throw new RangeError(`daemon option ${k} must be an integer >= 1, got ${String(v)}`);
      }
    }
    if (limits.requestTimeoutMs < limits.headersTimeoutMs) {
      throw new RangeError(
        `daemon option requestTimeoutMs (${limits.requestTimeoutMs}) must be >= headersTimeoutMs (${limits.headersTimeoutMs})`,
      );
    }
    this.#limits = Object.freeze({ ...limits });
  }

  /** A Fastify `serverFactory`: one guarded server per call (Fastify makes one per bound address). */
  readonly factory = (handler: RequestListener): Server => {
    const l = this.#limits;
    const server = createServer(
      {
        headersTimeout: l.headersTimeoutMs,
        requestTimeout: l.requestTimeoutMs,
        keepAliveTimeout: l.keepAliveTimeoutMs,
        // Node checks the two timeouts above on this interval (default 30 s, far past them).
        connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(l.headersTimeoutMs / 4))),
      },
      handler,
    );
    const guard = new ConnectionGuard(l.maxConnections);
    guard.attach(server);
    this.#guards.push(guard);
    return server;
  };

  /** Connections open now, over every server built. */
  get open(): number {
    return this.#guards.reduce((n, g) => n + g.open, 0);
  }

  /** Destroys every connection of every server built. */
  destroyAll(): void {
    for (const g of this.#guards) g.destroyAll();
  }
}
