import type { Clock } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import type { Backoff, Random } from '../retry/backoff.js';
import type { BreakerJSON } from './breaker-types.js';
import { ConsecutiveRule } from './consecutive-rule.js';
import type { TripRule } from './trip-rule.js';

/** Options of a circuit breaker. */
export interface CircuitBreakerOptions {
  /** Name in errors, events, stats and the registry. Default "breaker". */
  readonly name?: string;
  /** When to trip (one instance per breaker). Default `new ConsecutiveRule(5)`. */
  readonly rule?: TripRule;
  /** How long it stays open before probing (ms), or a backoff over consecutive trips. Default 30,000. */
  readonly openMs?: number | Backoff;
  /** Probe calls admitted in half-open; all must succeed to close. Default 1. */
  readonly halfOpenProbes?: number;
  /** A probe still running after this long (ms) reopens the breaker. Default 30,000. */
  readonly probeTimeoutMs?: number;
  /** A call slower than this (ms) is slow: it counts toward the slow-call rate, and fails a probe. Default: off. */
  readonly slowCallMs?: number;
  /** Which errors count as failures. Default: every error. An error that does not count is a success. */
  readonly isFailure?: (error: unknown) => boolean;
  /** Which results count as failures (an order rejection returned as a value). Default: none. */
  readonly isResultFailure?: (result: unknown) => boolean;
  /** Give rejections (CircuitOpenError) a stack trace; costs microseconds per rejection. Default false. */
  readonly captureStack?: boolean;
  readonly clock?: Clock;
  readonly random?: Random;
  /** A state written by `toJSON()`, to carry over a restart. */
  readonly initialState?: BreakerJSON;
}

/** Options after validation, frozen. */
export interface ResolvedBreakerOptions {
  readonly name: string;
  readonly rule: TripRule;
  readonly openMs: number | Backoff;
  readonly halfOpenProbes: number;
  readonly probeTimeoutMs: number;
  readonly slowCallMs: number;
  readonly isFailure: ((error: unknown) => boolean) | undefined;
  readonly isResultFailure: ((result: unknown) => boolean) | undefined;
  readonly captureStack: boolean;
  readonly clock: Clock;
  readonly random: Random;
}

function positive(option: string, value: number, allowInfinity = false): number {
  if (!(value > 0) || (!allowInfinity && !Number.isFinite(value)))
    throw new RangeError(
      `CircuitBreaker ${option} must be a ${allowInfinity ? '' : 'finite '}number > 0, got ${value}`,
    );
  return value;
}

/**
 * A predicate that throws would reject the breaker's own observer promise (an unhandled rejection):
 * a throwing predicate counts the call as a failure, and says so once as a process warning.
 */
function guarded(option: string, predicate: ((value: unknown) => boolean) | undefined) {
  if (predicate === undefined) return undefined;
  if (typeof predicate !== 'function')
    throw new RangeError(`CircuitBreaker ${option} must be a function, got ${typeof predicate}`);
  let warned = false;
  return (value: unknown): boolean => {
    try {
      return predicate(value);
    } catch (err) {
      if (!warned)
        process.emitWarning(`warden: breaker ${option} threw: ${String(err)}`, 'WardenPredicateWarning');
      warned = true;
      return true;
    }
  };
}

/** Validates breaker options; a bad value throws a RangeError naming the option and the value. */
export function resolveBreakerOptions(options: CircuitBreakerOptions): ResolvedBreakerOptions {
  const openMs = options.openMs ?? 30_000;
  if (typeof openMs === 'number') positive('openMs', openMs);
  const halfOpenProbes = options.halfOpenProbes ?? 1;
  if (!Number.isInteger(halfOpenProbes) || halfOpenProbes < 1)
    throw new RangeError(`CircuitBreaker halfOpenProbes must be an integer >= 1, got ${halfOpenProbes}`);
  const name = options.name ?? 'breaker';
  if (typeof name !== 'string' || name.length === 0)
    throw new RangeError(`CircuitBreaker name must be a non-empty string, got ${String(name)}`);
  return Object.freeze({
    name,
    rule: options.rule ?? new ConsecutiveRule(5),
    openMs,
    halfOpenProbes,
    probeTimeoutMs: positive('probeTimeoutMs', options.probeTimeoutMs ?? 30_000),
    slowCallMs: positive('slowCallMs', options.slowCallMs ?? Infinity, true),
    isFailure: guarded('isFailure', options.isFailure),
    isResultFailure: guarded('isResultFailure', options.isResultFailure),
    captureStack: options.captureStack ?? false,
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
  });
}
