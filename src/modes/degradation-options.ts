import type { Clock } from '../util/clock.js';
import type { AlertSink } from '../util/alert-sink.js';
import type { DecisionInput } from '../decisions/index.js';
import type { KillSwitchPort } from './kill-switch-port.js';

/** Where transitions are recorded: a `DecisionLog` (only `append` is used). */
export interface DecisionSink {
  append(input: DecisionInput): unknown;
}

/** The thresholds of the degradation modes (seed 003 section 6 by default). */
export interface ModeThresholds {
  /** SHUTDOWN below this balance (seed 003: 10). */
  readonly minBalance: number;
  /** SHUTDOWN when equity is this fraction below its peak (seed 003: 0.20). */
  readonly maxDrawdown: number;
  /** OBSERVATION when the feed's last tick is older than this (seed 003: 60 s). */
  readonly feedMaxAgeMs: number;
  /** OBSERVATION when |clock drift| exceeds this (ms). */
  readonly maxClockDriftMs: number;
  /** OBSERVATION when balance or equity was last reported longer ago than this (0 = never stale). */
  readonly accountMaxAgeMs: number;
  /** REDUCE_ONLY once the exchange breaker has been out of closed this long (0 = at once). */
  readonly breakerGraceMs: number;
}

/** Options of a `DegradationManager`. */
export interface DegradationOptions extends Partial<ModeThresholds> {
  /** SHUTDOWN trips it with flatten; the manager stays SHUTDOWN until a resume after that trip. */
  readonly killSwitch: KillSwitchPort;
  readonly alerts?: AlertSink;
  /** Each transition is appended as `kind: 'mode'`. */
  readonly decisions?: DecisionSink;
  readonly clock?: Clock;
  /** Recompute on an unref'd timer this often (ms), so a feed that stops pushing goes stale; 0 = no timer. */
  readonly intervalMs?: number;
  /** The peak equity to start from (restored from `toJSON()`). */
  readonly initialState?: { readonly peakEquity?: number };
  /** Recorded as `by` of the trip and the decisions. */
  readonly by?: string;
}

export const DEFAULT_THRESHOLDS: ModeThresholds = Object.freeze({
  minBalance: 10,
  maxDrawdown: 0.2,
  feedMaxAgeMs: 60_000,
  maxClockDriftMs: 2000,
  accountMaxAgeMs: 300_000,
  breakerGraceMs: 0,
});

function nonNegative(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name}: must be a finite number >= 0 (got ${v})`);
  return v;
}

/** Validates and freezes the thresholds; a bad value throws a RangeError naming it. */
export function resolveThresholds(o: Partial<ModeThresholds>): ModeThresholds {
  const t = { ...DEFAULT_THRESHOLDS };
  for (const k of Object.keys(t) as (keyof ModeThresholds)[]) {
    const v = o[k];
    if (v !== undefined) t[k] = nonNegative(k, v);
  }
  if (t.maxDrawdown <= 0 || t.maxDrawdown >= 1)
    throw new RangeError(`maxDrawdown: must be a fraction between 0 and 1 (got ${t.maxDrawdown})`);
  if (t.feedMaxAgeMs === 0) throw new RangeError('feedMaxAgeMs: must be > 0');
  return Object.freeze(t);
}
