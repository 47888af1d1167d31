import { RateRing } from './rate-ring.js';
import { verdict, type GateIntent, type GateLayer, type LayerVerdict } from './layer.js';

/** One limit: at most `limit` orders in any `windowMs`. */
export interface RateLimit {
  readonly limit: number;
  readonly windowMs: number;
}

/** Options of the order rate limit. */
export interface RateLimitLayerOptions {
  /** All new-risk orders together. */
  readonly overall?: RateLimit;
  /** Each strategy key on its own (intents without a key count only overall). */
  readonly perStrategy?: RateLimit;
  /** Per-strategy limits that differ from `perStrategy`, by key. */
  readonly strategies?: Readonly<Record<string, RateLimit>>;
  /** Strategy keys tracked at most; a new key beyond this is denied (`rate_strategy_table_full_fail_closed`). Default 1000. */
  readonly maxStrategies?: number;
}

function checkLimit(name: string, l: RateLimit | undefined): RateLimit | undefined {
  if (l === undefined) return undefined;
  if (typeof l !== 'object' || l === null)
    throw new RangeError(`${name} must be {limit, windowMs}, got ${String(l)}`);
  if (!Number.isInteger(l.limit) || l.limit < 1)
    throw new RangeError(`${name}.limit must be an integer >= 1, got ${String(l.limit)}`);
  if (typeof l.windowMs !== 'number' || !Number.isFinite(l.windowMs) || l.windowMs <= 0)
    throw new RangeError(`${name}.windowMs must be a number > 0, got ${String(l.windowMs)}`);
  return Object.freeze({ limit: l.limit, windowMs: l.windowMs });
}

/**
 * The order rate limit, per strategy and overall: an order over either limit is denied
 * (`rate_limit_strategy`, `rate_limit_overall`), never queued. An order counts only when the
 * gate lets it through (this layer is the gate's last), and only when both limits have room.
 * Reduce-only intents and cancels pass and are not counted (`reduce_only_pass`): flattening is
 * never throttled by Warden. Each strategy's ring is created the first time its key is seen.
 */
export class RateLimitLayer implements GateLayer {
  readonly name = 'rate_limit';
  readonly #overall: RateRing | null;
  readonly #perStrategy: RateLimit | undefined;
  readonly #rings = new Map<string, RateRing>();
  readonly #maxStrategies: number;
  readonly #allow = verdict('rate_limit', true, 'within_rate_limit');
  readonly #reduce = verdict('rate_limit', true, 'reduce_only_pass');
  readonly #denyOverall = verdict('rate_limit', false, 'rate_limit_overall');
  readonly #denyStrategy = verdict('rate_limit', false, 'rate_limit_strategy');
  readonly #full = verdict('rate_limit', false, 'rate_strategy_table_full_fail_closed');
  #lastKey: string | null = null;
  #lastRing: RateRing | null = null;

  constructor(options: RateLimitLayerOptions) {
    if (typeof options !== 'object' || options === null)
      throw new RangeError('RateLimitLayer options must be an object');
    const overall = checkLimit('overall', options.overall);
    this.#perStrategy = checkLimit('perStrategy', options.perStrategy);
    const limits = new Map<string, RateLimit>();
    for (const [k, l] of Object.entries(options.strategies ?? {}))
      limits.set(k, checkLimit(`strategies.${k}`, l)!);
    const max = options.maxStrategies ?? 1000;
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`maxStrategies must be an integer >= 1, got ${String(max)}`);
    this.#maxStrategies = max;
    this.#overall = overall === undefined ? null : new RateRing(overall.limit, overall.windowMs);
    for (const [k, l] of limits) this.#rings.set(k, new RateRing(l.limit, l.windowMs));
  }

  /** Admits and counts the order when both limits have room at `now`. */
  check(intent: GateIntent, now: number): LayerVerdict {
    if (intent.reduceOnly === true || intent.cancel === true) return this.#reduce;
    const overall = this.#overall;
    if (overall !== null && !overall.hasRoom(now)) return this.#denyOverall;
    const key = intent.strategy;
    if (typeof key === 'string' && key !== '') {
      // the last key's ring is kept: a bot trading one strategy looks nothing up (rings are never removed)
      const ring = key === this.#lastKey ? this.#lastRing! : this.#findRing(key);
      if (ring === this.#full) return this.#full;
      if (ring !== null) {
        if (!(ring as RateRing).hasRoom(now)) return this.#denyStrategy;
        (ring as RateRing).admit(now);
      }
    }
    overall?.admit(now);
    return this.#allow;
  }

  /**
   * The ring of a key not checked last: found (and kept as the last), created when a per-strategy
   * limit applies and the table has room, the table-full verdict when it has none, or null (no
   * per-strategy limit for this key).
   */
  #findRing(key: string): RateRing | LayerVerdict | null {
    let ring = this.#rings.get(key);
    if (ring === undefined) {
      if (this.#perStrategy === undefined) return null;
      if (this.#rings.size >= this.#maxStrategies) return this.#full;
      ring = this.#ringOf(key)!;
    }
    this.#lastKey = key;
    this.#lastRing = ring;
    return ring;
  }

  /** The verdict `check` would give now, counting nothing (for the decision log of a denied intent). */
  peek(intent: GateIntent, now: number): LayerVerdict {
    if (intent.reduceOnly === true || intent.cancel === true) return this.#reduce;
    if (this.#overall !== null && !this.#overall.hasRoom(now)) return this.#denyOverall;
    const key = intent.strategy;
    if (typeof key !== 'string' || key === '') return this.#allow;
    const ring = this.#rings.get(key);
    if (ring === undefined) {
      if (this.#perStrategy === undefined) return this.#allow;
      return this.#rings.size >= this.#maxStrategies ? this.#full : this.#allow;
    }
    return ring.hasRoom(now) ? this.#allow : this.#denyStrategy;
  }

  #ringOf(key: string): RateRing | undefined {
    let ring = this.#rings.get(key);
    if (ring === undefined && this.#perStrategy !== undefined) {
      ring = new RateRing(this.#perStrategy.limit, this.#perStrategy.windowMs);
      this.#rings.set(key, ring);
    }
    return ring;
  }

  /** What the verdict was based on, for the decision log. */
  inputs(intent: GateIntent, now: number): Record<string, unknown> {
    const key = intent.strategy;
    const ring = typeof key === 'string' ? this.#rings.get(key) : undefined;
    return {
      overall:
        this.#overall === null
          ? null
          : {
              limit: this.#overall.limit,
              windowMs: this.#overall.windowMs,
              inWindow: this.#overall.inWindow(now),
            },
      strategy:
        ring === undefined
          ? null
          : { key, limit: ring.limit, windowMs: ring.windowMs, inWindow: ring.inWindow(now) },
    };
  }
}
