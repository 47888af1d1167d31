import type { FastifyReply, FastifyRequest } from 'fastify';
import { systemClock, type Clock } from '../util/clock.js';
import { bearer, digestMatches, tokenDigest } from './token.js';

/** How many bad tokens one remote address may present per window before it gets 429. */
export interface BadTokenLimit {
  readonly maxFailures: number;
  readonly windowMs: number;
}

/** Default: 10 failures per minute per address. */
export const DEFAULT_BAD_TOKEN_LIMIT: BadTokenLimit = Object.freeze({ maxFailures: 10, windowMs: 60_000 });

/** Most addresses tracked at once; past it the oldest is forgotten (bounded memory under a spray). */
const MAX_TRACKED = 10_000;

/**
 * Checks bearer tokens (constant time, never logged) and rate-limits failures per remote
 * address: past `maxFailures` in `windowMs`, every request from that address that needs the
 * token gets 429 with `Retry-After` until the window ends, even with the right token, so a
 * guesser learns nothing from trying on.
 */
export class AuthGuard {
  readonly #token: string | undefined;
  /** The expected token's digest, made once: each request hashes only what it presents. */
  readonly #digest: Buffer | null;
  readonly #limit: BadTokenLimit;
  readonly #clock: Clock;
  /** address → failures in the window and when it started. */
  readonly #failures = new Map<string, { n: number; since: number }>();

  constructor(
    token: string | undefined,
    limit: BadTokenLimit = DEFAULT_BAD_TOKEN_LIMIT,
    clock: Clock = systemClock,
  ) {
    if (!(Number.isInteger(limit.maxFailures) && limit.maxFailures >= 1))
      throw new RangeError(`maxFailures: expected an integer >= 1, got ${limit.maxFailures}`);
    if (!(limit.windowMs > 0)) throw new RangeError(`windowMs: expected > 0, got ${limit.windowMs}`);
    this.#token = token;
    this.#digest = tokenDigest(token);
    this.#limit = limit;
    this.#clock = clock;
  }

  /** True when a token is configured. */
  get tokenSet(): boolean {
    return this.#token !== undefined;
  }

  /** Seconds `address` must wait, or 0 when it may try. */
  retryAfter(address: string): number {
    const f = this.#failures.get(address);
    if (!f) return 0;
    const left = f.since + this.#limit.windowMs - this.#clock.now();
    if (left <= 0) {
      this.#failures.delete(address);
      return 0;
    }
    return f.n >= this.#limit.maxFailures ? Math.ceil(left / 1000) : 0;
  }

  #fail(address: string): void {
    const now = this.#clock.now();
    const f = this.#failures.get(address);
    if (f && now - f.since < this.#limit.windowMs) f.n++;
    else {
      this.#failures.delete(address);
      if (this.#failures.size >= MAX_TRACKED) this.#failures.delete(this.#failures.keys().next().value!);
      this.#failures.set(address, { n: 1, since: now });
    }
  }

  /**
   * True when `req` may pass: its address is not rate-limited and it presents the right token.
   * Counts nothing (a failure is counted by `require`); the fast path of the token hooks.
   */
  passes(req: FastifyRequest): boolean {
    return this.retryAfter(req.ip) === 0 && digestMatches(bearer(req.headers.authorization), this.#digest);
  }

  /** A Fastify preHandler / onRequest hook: answers 401 or 429 and ends the request, or lets it pass. */
  readonly require = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const address = req.ip;
    const wait = this.retryAfter(address);
    if (wait > 0) {
      await reply
        .code(429)
        .header('retry-after', String(wait))
        .send({ error: `too many bad tokens from ${address}; retry in ${wait} s` });
      return;
    }
    if (digestMatches(bearer(req.headers.authorization), this.#digest)) return;
    this.#fail(address);
    await reply.code(401).send({
      error: this.#token
        ? 'missing or invalid token'
        : 'no API token configured (set the env var named by daemon.tokenEnv, or daemon.tokenFile)',
    });
  };
}
