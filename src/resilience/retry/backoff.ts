import type { Random } from '../../util/random.js';

/** `Random` lives in src/util/random.ts; re-exported here for old imports. */
export type { Random };

/**
 * How long to wait before attempt `attempt + 1`. Pure: the random source and the previous
 * delay are passed in, so one backoff object may serve many concurrent callers.
 */
export interface Backoff {
  /** `attempt` is 0 for the wait after the first failure; `previousMs` is the last delay returned (0 at first). */
  delay(attempt: number, previousMs: number, random: Random): number;
}

function checkMs(option: string, value: number): void {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${option} must be a finite number >= 0, got ${value}`);
}

/** Always `ms`. */
export function constantBackoff(ms: number): Backoff {
  checkMs('constantBackoff ms', ms);
  return Object.freeze({ delay: () => ms });
}

/** Options of the exponential backoffs. */
export interface ExponentialBackoffOptions {
  /** The first delay (ms). Default 100. */
  readonly initialMs?: number;
  /** The largest delay (ms). Default 30,000. */
  readonly maxMs?: number;
  /** Growth per attempt. Default 2. */
  readonly factor?: number;
}

function exponentialParts(options: ExponentialBackoffOptions, name: string): [number, number, number] {
  const initialMs = options.initialMs ?? 100;
  const maxMs = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  checkMs(`${name} initialMs`, initialMs);
  checkMs(`${name} maxMs`, maxMs);
  if (!Number.isFinite(factor) || factor < 1)
    throw new RangeError(`${name} factor must be >= 1, got ${factor}`);
  if (maxMs < initialMs) throw new RangeError(`${name} maxMs (${maxMs}) must be >= initialMs (${initialMs})`);
  return [initialMs, maxMs, factor];
}

/** `initialMs * factor^attempt`, capped at `maxMs`, no jitter. */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const [initialMs, maxMs, factor] = exponentialParts(options, 'exponentialBackoff');
  return Object.freeze({ delay: (attempt: number) => Math.min(maxMs, initialMs * factor ** attempt) });
}

/** "Full jitter": uniform in [0, min(maxMs, initialMs * factor^attempt)] (seed 003 section 3). */
export function fullJitterBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const [initialMs, maxMs, factor] = exponentialParts(options, 'fullJitterBackoff');
  return Object.freeze({
    delay: (attempt: number, _previousMs: number, random: Random) =>
      random() * Math.min(maxMs, initialMs * factor ** attempt),
  });
}

/**
 * "Equal jitter": uniform in [d/2, d] where d = min(maxMs, initialMs * factor^attempt), so a wait
 * is never shorter than half the exponential delay (the alert outbox's backoff, see docs/alerts.md).
 */
export function equalJitterBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const [initialMs, maxMs, factor] = exponentialParts(options, 'equalJitterBackoff');
  return Object.freeze({
    delay: (attempt: number, _previousMs: number, random: Random) => {
      const d = Math.min(maxMs, initialMs * factor ** attempt);
      return d / 2 + random() * (d / 2);
    },
  });
}

/** "Decorrelated jitter": uniform in [initialMs, 3 * previous], capped at `maxMs` (AWS architecture blog). */
export function decorrelatedJitterBackoff(options: Omit<ExponentialBackoffOptions, 'factor'> = {}): Backoff {
  const [initialMs, maxMs] = exponentialParts(options, 'decorrelatedJitterBackoff');
  return Object.freeze({
    delay: (_attempt: number, previousMs: number, random: Random) => {
      const prev = Math.max(initialMs, previousMs);
      return Math.min(maxMs, initialMs + random() * (prev * 3 - initialMs));
    },
  });
}
