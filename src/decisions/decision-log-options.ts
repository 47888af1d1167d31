import type { Clock } from '../util/clock.js';

/** How a decision log is opened. */
export interface DecisionLogOptions {
  /** The log's directory (segments, lock, torn tails). Its parent must exist. */
  readonly dir: string;
  /** Group commit: appends are written and fsync'd together at most this many ms after the first of a batch. Default 10. */
  readonly flushIntervalMs?: number;
  /** Start a new segment before one would grow past this many bytes; 0 = never. Default 64 MiB. */
  readonly rotateBytes?: number;
  /** Start a new segment when the UTC day of a decision differs from the last line's. Default true. */
  readonly rotateDaily?: boolean;
  /** Write buffered lines (without waiting for the timer) once this many bytes are pending. Default 4 MiB. */
  readonly maxBatchBytes?: number;
  /** Refuse appends (`E_DECISION_LOG_BACKLOG`) while this many bytes wait for a stalled write or fsync. Default 256 MiB. */
  readonly maxPendingBytes?: number;
  /** The source of `ts`; injected in tests. */
  readonly clock?: Clock;
}

/** The options with every default filled in. */
export interface ResolvedDecisionLogOptions {
  readonly dir: string;
  readonly flushIntervalMs: number;
  readonly rotateBytes: number;
  readonly rotateDaily: boolean;
  readonly maxBatchBytes: number;
  readonly maxPendingBytes: number;
}

/** Validates the options (a bad value throws a `RangeError` naming it) and fills in the defaults. */
export function resolveDecisionLogOptions(o: DecisionLogOptions): ResolvedDecisionLogOptions {
  if (typeof o.dir !== 'string' || o.dir.length === 0)
    throw new RangeError(`decisions.dir: expected a directory, got ${JSON.stringify(o.dir)}`);
  const flushIntervalMs = o.flushIntervalMs ?? 10;
  if (!(flushIntervalMs > 0 && flushIntervalMs <= 60_000))
    throw new RangeError(`decisions.flushIntervalMs: expected 0 < ms ≤ 60000, got ${flushIntervalMs}`);
  const rotateBytes = o.rotateBytes ?? 64 * 1024 * 1024;
  if (!(Number.isSafeInteger(rotateBytes) && rotateBytes >= 0))
    throw new RangeError(`decisions.rotateBytes: expected a byte count ≥ 0, got ${rotateBytes}`);
  const maxBatchBytes = o.maxBatchBytes ?? 4 * 1024 * 1024;
  if (!(Number.isSafeInteger(maxBatchBytes) && maxBatchBytes > 0))
    throw new RangeError(`decisions.maxBatchBytes: expected a byte count > 0, got ${maxBatchBytes}`);
  const maxPendingBytes = o.maxPendingBytes ?? 256 * 1024 * 1024;
  if (!(Number.isSafeInteger(maxPendingBytes) && maxPendingBytes > 0))
    throw new RangeError(`decisions.maxPendingBytes: expected a byte count > 0, got ${maxPendingBytes}`);
  return Object.freeze({
    dir: o.dir,
    flushIntervalMs,
    rotateBytes,
    rotateDaily: o.rotateDaily ?? true,
    maxBatchBytes,
    maxPendingBytes,
  });
}
