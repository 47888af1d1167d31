import type { Clock } from '../util/clock.js';
import type { AlertSink } from '../util/alert-sink.js';

/** The rules of one instrument. */
export interface FreshnessRule {
  /** The last good tick may be this old (ms) before the instrument is stale. */
  readonly maxAgeMs: number;
  /** A price further than this fraction from the last good price is bad data (0.2 = 20 %); 0 = no band. */
  readonly jumpBand: number;
  /**
   * Accept a new level after this many consecutive jump rejections that agree with each other
   * (each within the band of the first); 0 = never, the instrument stays on its last good price.
   */
  readonly jumpConfirmTicks: number;
}

/** Options of a `Freshness`. */
export interface FreshnessOptions extends Partial<FreshnessRule> {
  /** Per-symbol overrides of the rules. */
  readonly symbols?: Readonly<Record<string, Partial<FreshnessRule>>>;
  /** Alert when this many ticks of one symbol are rejected within `alertWindowMs`. */
  readonly alertAfter?: number;
  readonly alertWindowMs?: number;
  /** At most one bad-data alert per symbol this often (ms). */
  readonly alertEveryMs?: number;
  readonly alerts?: AlertSink;
  readonly clock?: Clock;
}

export const DEFAULT_FRESHNESS: FreshnessRule = Object.freeze({
  maxAgeMs: 60_000,
  jumpBand: 0.2,
  jumpConfirmTicks: 0,
});

/** Validates one rule; a bad value throws a RangeError naming it. */
export function resolveRule(base: FreshnessRule, o: Partial<FreshnessRule>, where: string): FreshnessRule {
  const r: FreshnessRule = {
    maxAgeMs: o.maxAgeMs ?? base.maxAgeMs,
    jumpBand: o.jumpBand ?? base.jumpBand,
    jumpConfirmTicks: o.jumpConfirmTicks ?? base.jumpConfirmTicks,
  };
  if (!(Number.isFinite(r.maxAgeMs) && r.maxAgeMs > 0))
    throw new RangeError(`${where}maxAgeMs: must be a number > 0 (got ${r.maxAgeMs})`);
  if (!(Number.isFinite(r.jumpBand) && r.jumpBand >= 0))
    throw new RangeError(`${where}jumpBand: must be a fraction >= 0 (got ${r.jumpBand})`);
  if (!(Number.isInteger(r.jumpConfirmTicks) && r.jumpConfirmTicks >= 0))
    throw new RangeError(`${where}jumpConfirmTicks: must be an integer >= 0 (got ${r.jumpConfirmTicks})`);
  return Object.freeze(r);
}

/** A positive integer option, or a RangeError naming it. */
export function positiveInt(name: string, v: number): number {
  if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`${name}: must be an integer > 0 (got ${v})`);
  return v;
}
