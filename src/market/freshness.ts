import { verdict, type GateIntent, type GateLayer, type LayerVerdict } from '../gate/layer.js';
import { nullAlertSink, type AlertSink } from '../util/alert-sink.js';
import { systemClock, type Clock } from '../util/clock.js';
import {
  DEFAULT_FRESHNESS,
  positiveInt,
  resolveRule,
  type FreshnessOptions,
  type FreshnessRule,
} from './freshness-options.js';
import {
  TICK_ACCEPTED,
  TICK_REJECTED,
  type BadTickKind,
  type TickCounts,
  type TickResult,
} from './tick-result.js';

const L = 'freshness';
const ALLOW_FRESH = verdict(L, true, 'freshness_ok');
const ALLOW_REDUCE = verdict(L, true, 'freshness_allow_reduce_only');
const ALLOW_CANCEL = verdict(L, true, 'freshness_allow_cancel');
const DENY_STALE = verdict(L, false, 'freshness_stale');
const DENY_NO_TICK = verdict(L, false, 'freshness_no_tick_fail_closed');
const DENY_BAD_DATA = verdict(L, false, 'freshness_bad_data');

/** What is kept per instrument: its last good tick, counters, and the times of its recent rejections. */
class Feed {
  lastGood = NaN;
  lastAt = NaN;
  candidate = NaN;
  candidateCount = 0;
  lastAlertAt = -Infinity;
  /** Bad data was seen (`suspect`): new risk is denied until the next good tick. */
  suspect = false;
  readonly counts: TickCounts = { accepted: 0, nan: 0, non_positive: 0, jump: 0 };
  readonly rejectedAt: Float64Array;
  head = 0;
  rejected = 0;
  constructor(
    readonly rule: FreshnessRule,
    ring: number,
  ) {
    this.rejectedAt = new Float64Array(ring);
  }
}

/**
 * Data freshness and sanity per instrument (seeds 003, 004). `tick()` rejects a price that is not
 * a finite number, is zero or negative, or jumps beyond the band from the last good price; it
 * counts each kind and alerts when rejections repeat. As a gate layer it denies new risk on a
 * symbol whose last good tick is older than its max age, or that never had one (fail closed);
 * reduce-only orders and cancels pass, so a position can still be closed on a dead feed.
 */
export class Freshness implements GateLayer {
  /** The layer's name in gate verdicts. */
  readonly name = L;
  readonly #base: FreshnessRule;
  readonly #rules = new Map<string, FreshnessRule>();
  readonly #feeds = new Map<string, Feed>();
  readonly #alertAfter: number;
  readonly #alertWindowMs: number;
  readonly #alertEveryMs: number;
  readonly #alerts: AlertSink;
  readonly #clock: Clock;

  constructor(opts: FreshnessOptions = {}) {
    this.#base = resolveRule(DEFAULT_FRESHNESS, opts, '');
    for (const [sym, o] of Object.entries(opts.symbols ?? {}))
      this.#rules.set(sym, resolveRule(this.#base, o, `symbols.${sym}.`));
    this.#alertAfter = positiveInt('alertAfter', opts.alertAfter ?? 3);
    this.#alertWindowMs = positiveInt('alertWindowMs', opts.alertWindowMs ?? 60_000);
    this.#alertEveryMs = positiveInt('alertEveryMs', opts.alertEveryMs ?? 300_000);
    this.#alerts = opts.alerts ?? nullAlertSink;
    this.#clock = opts.clock ?? systemClock;
  }

  /** The rules that apply to a symbol. */
  rule(symbol: string): FreshnessRule {
    return this.#rules.get(symbol) ?? this.#base;
  }

  /**
   * One tick of a symbol at time `at` (ms; the venue's timestamp, never taken as later than now).
   * Returns a preallocated result; a rejected tick never becomes the last good price.
   */
  tick(symbol: string, price: number, at: number): TickResult {
    const now = this.#clock.now();
    let f = this.#feeds.get(symbol);
    if (f === undefined) {
      f = new Feed(this.rule(symbol), this.#alertAfter);
      this.#feeds.set(symbol, f);
    }
    if (!Number.isFinite(price) || !Number.isFinite(at)) return this.#reject(symbol, f, 'nan', price, now);
    if (price <= 0) return this.#reject(symbol, f, 'non_positive', price, now);
    const band = f.rule.jumpBand;
    const last = f.lastGood;
    if (band > 0 && last > 0 && Math.abs(price - last) / last > band) {
      const confirm = f.rule.jumpConfirmTicks;
      if (confirm === 0) return this.#reject(symbol, f, 'jump', price, now);
      if (f.candidateCount > 0 && Math.abs(price - f.candidate) / f.candidate <= band) f.candidateCount++;
      else {
        f.candidate = price;
        f.candidateCount = 1;
      }
      if (f.candidateCount <= confirm) return this.#reject(symbol, f, 'jump', price, now);
      this.#send(
        symbol,
        'info',
        `Price level of ${symbol} accepted`,
        `${confirm} ticks agreed on ${price} (last good ${last})`,
        now,
      );
    }
    f.candidateCount = 0;
    f.suspect = false;
    f.lastGood = price;
    const t = at < now ? at : now;
    if (!(t <= f.lastAt)) f.lastAt = t;
    f.counts.accepted++;
    return TICK_ACCEPTED;
  }

  #reject(symbol: string, f: Feed, kind: BadTickKind, price: number, now: number): TickResult {
    f.counts[kind]++;
    const ring = f.rejectedAt;
    ring[f.head] = now;
    f.head = (f.head + 1) % ring.length;
    f.rejected++;
    // The oldest of the last `alertAfter` rejections sits at head once the ring is full.
    if (f.rejected >= ring.length && now - (ring[f.head] as number) <= this.#alertWindowMs) {
      if (now - f.lastAlertAt >= this.#alertEveryMs) {
        f.lastAlertAt = now;
        const c = f.counts;
        this.#send(
          symbol,
          'warning',
          `Bad price data on ${symbol}`,
          `${ring.length} ticks rejected within ${this.#alertWindowMs / 1000}s; last: ${kind} (${price}, last good ${f.lastGood}). Rejected so far: nan ${c.nan}, non_positive ${c.non_positive}, jump ${c.jump}; accepted ${c.accepted}.`,
          now,
        );
      }
    }
    return TICK_REJECTED[kind];
  }

  #send(symbol: string, severity: 'info' | 'warning', title: string, body: string, now: number): void {
    this.#alerts
      .alert({ key: `freshness:${symbol}:${now}:${title}`, severity, title, body })
      .catch((err: unknown) => {
        process.stderr.write(`warden: ALERT NOT DELIVERED (${(err as Error).message}): ${title}\n`);
      });
  }

  /** The last accepted price of a symbol, or undefined before the first good tick. */
  lastGoodPrice(symbol: string): number | undefined {
    const p = this.#feeds.get(symbol)?.lastGood;
    return p === undefined || Number.isNaN(p) ? undefined : p;
  }

  /** Age of the last good tick at `now` (Infinity: never had one). */
  ageMs(symbol: string, now = this.#clock.now()): number {
    const at = this.#feeds.get(symbol)?.lastAt;
    return at === undefined || Number.isNaN(at) ? Infinity : now - at;
  }

  /** True when the symbol has no good tick within its max age. */
  isStale(symbol: string, now = this.#clock.now()): boolean {
    return !(this.ageMs(symbol, now) <= this.rule(symbol).maxAgeMs);
  }

  /** The counters of one symbol, or the sums over all. A copy. */
  counts(symbol?: string): TickCounts {
    const out: TickCounts = { accepted: 0, nan: 0, non_positive: 0, jump: 0 };
    for (const [s, f] of this.#feeds) {
      if (symbol !== undefined && s !== symbol) continue;
      out.accepted += f.counts.accepted;
      out.nan += f.counts.nan;
      out.non_positive += f.counts.non_positive;
      out.jump += f.counts.jump;
    }
    return out;
  }

  /** The symbols seen so far. */
  symbols(): string[] {
    return [...this.#feeds.keys()];
  }

  /**
   * Puts a symbol in OBSERVATION: new risk on it is denied (`freshness_bad_data`) until its next
   * good tick. The data-class reaction calls it on a rejected tick or a data failure of the symbol.
   */
  suspect(symbol: string): void {
    let f = this.#feeds.get(symbol);
    if (f === undefined) {
      f = new Feed(this.rule(symbol), this.#alertAfter);
      this.#feeds.set(symbol, f);
    }
    f.suspect = true;
  }

  /** True while a symbol is held in OBSERVATION by `suspect`. */
  isSuspect(symbol: string): boolean {
    return this.#feeds.get(symbol)?.suspect === true;
  }

  /** Forgets a symbol's last good price (a person accepting a new level): its next valid tick is taken as is. */
  forget(symbol: string): void {
    const f = this.#feeds.get(symbol);
    if (f) {
      f.lastGood = NaN;
      f.lastAt = NaN;
      f.candidateCount = 0;
    }
  }

  /** The gate layer: allocation-free. Stale or never seen: new risk denied; reduce-only and cancels pass. */
  check(intent: GateIntent, now: number): LayerVerdict {
    if (intent.cancel) return ALLOW_CANCEL;
    if (intent.reduceOnly) return ALLOW_REDUCE;
    const f = this.#feeds.get(intent.symbol);
    if (f === undefined || Number.isNaN(f.lastAt)) return DENY_NO_TICK;
    if (f.suspect) return DENY_BAD_DATA;
    return now - f.lastAt > f.rule.maxAgeMs ? DENY_STALE : ALLOW_FRESH;
  }
}
