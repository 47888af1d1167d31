import { readFileSync } from 'node:fs';
import { Cron } from 'croner';
import { systemClock, type Clock } from '../../util/clock.js';
import type { EvaluationResult } from '../evaluate/evaluate.js';
import type { Transition } from '../types.js';

/** A scheduled evaluation that did not happen in time (seed 000's three silent weeks). */
export interface MissedRun {
  /** When the run was due. */
  readonly expectedAt: Date;
  /** The last successful evaluation, null if none is known. */
  readonly lastSuccessAt: Date | null;
  readonly lateByMs: number;
}

/** Options of `startEvaluationSchedule`. */
export interface EvaluationScheduleOptions {
  /** Runs one evaluation (e.g. `() => evaluateStrategies({...now: Date.now()})`). */
  readonly evaluate: () => EvaluationResult | Promise<EvaluationResult>;
  /** Cron pattern (croner syntax). Default `49 3 * * *`, daily as in the seed. */
  readonly pattern?: string;
  /** Time zone of the pattern. Default UTC. */
  readonly timezone?: string;
  /** When the last successful evaluation happened (ms), e.g. `lastEvaluationAt(statePath)`. */
  readonly lastSuccessAt?: () => number | null;
  /** A run is missed when none succeeded by its due time plus this. Default 60 min. */
  readonly graceMs?: number;
  /** How often the missed-run detector looks (unref'd timer). Default 60 s; 0 disables the timer. */
  readonly checkEveryMs?: number;
  readonly onTrip?: (t: Transition) => void;
  readonly onRecover?: (t: Transition) => void;
  readonly onRun?: (r: EvaluationResult) => void;
  readonly onError?: (err: unknown) => void;
  readonly onMissedRun?: (m: MissedRun) => void;
  readonly clock?: Clock;
}

/** A running schedule. */
export interface EvaluationSchedule {
  /** Runs an evaluation now (as the timer does) and fires the callbacks. */
  runNow(): Promise<EvaluationResult | undefined>;
  /** Looks for a missed run now; fires `onMissedRun` once per due time. */
  checkMissed(): MissedRun | null;
  /** The next due time. */
  nextRun(): Date | null;
  close(): void;
  [Symbol.dispose](): void;
}

/** `as_of_unix` of a state file in ms, or null when it cannot be read. */
export function lastEvaluationAt(statePath: string): number | null {
  try {
    const v = JSON.parse(readFileSync(statePath, 'utf8')) as { as_of_unix?: unknown };
    return typeof v.as_of_unix === 'number' ? v.as_of_unix * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * Is a run overdue? The first due time after `lastSuccessMs` (or after `sinceMs` when there
 * was none) must not lie more than `graceMs` in the past.
 */
export function detectMissedRun(
  pattern: string,
  timezone: string,
  lastSuccessMs: number | null,
  sinceMs: number,
  nowMs: number,
  graceMs: number,
): MissedRun | null {
  const cron = new Cron(pattern, { timezone, paused: true });
  try {
    const base = lastSuccessMs ?? sinceMs;
    const due = cron.nextRun(new Date(base));
    if (due === null) return null;
    const late = nowMs - due.getTime();
    if (late <= graceMs) return null;
    return {
      expectedAt: due,
      lastSuccessAt: lastSuccessMs === null ? null : new Date(lastSuccessMs),
      lateByMs: late,
    };
  } finally {
    cron.stop();
  }
}

/**
 * Runs the evaluation on a cron schedule (croner, unref'd timer, no overlapping runs), calls
 * `onTrip` / `onRecover` for each status change, and alerts through `onMissedRun` when a due
 * run has not succeeded within the grace period: the daemon's guard against a dead schedule.
 */
export function startEvaluationSchedule(o: EvaluationScheduleOptions): EvaluationSchedule {
  const pattern = o.pattern ?? '49 3 * * *';
  const timezone = o.timezone ?? 'UTC';
  const graceMs = o.graceMs ?? 3_600_000;
  const every = o.checkEveryMs ?? 60_000;
  if (typeof o.evaluate !== 'function') throw new RangeError('evaluate must be a function');
  if (!(graceMs >= 0)) throw new RangeError(`graceMs must be >= 0 (got ${graceMs})`);
  if (!(every >= 0)) throw new RangeError(`checkEveryMs must be >= 0 (got ${every})`);
  const clock = o.clock ?? systemClock;
  const started = clock.now();
  let lastOk: number | null = null;
  let alerted = -1;
  let running: Promise<EvaluationResult | undefined> | null = null;
  let closed = false;
  const safe = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      o.onError?.(err);
    }
  };
  const runNow = (): Promise<EvaluationResult | undefined> => {
    if (running !== null) return running;
    running = (async () => {
      try {
        const r = await o.evaluate();
        lastOk = clock.now();
        safe(() => o.onRun?.(r));
        for (const t of r.transitions) {
          if (t.kind === 'trip') safe(() => o.onTrip?.(t));
          else if (t.kind === 'recover') safe(() => o.onRecover?.(t));
        }
        return r;
      } catch (err) {
        o.onError?.(err);
        return undefined;
      } finally {
        running = null;
      }
    })();
    return running;
  };
  let job: Cron;
  try {
    job = new Cron(pattern, { timezone, unref: true, protect: true }, () => {
      if (!closed) void runNow();
    });
  } catch (err) {
    throw new RangeError(
      `pattern must be a cron pattern (got ${JSON.stringify(pattern)}): ${(err as Error).message}`,
    );
  }
  const checkMissed = (): MissedRun | null => {
    const known = o.lastSuccessAt?.() ?? null;
    const last = known === null ? lastOk : lastOk === null ? known : Math.max(known, lastOk);
    const m = detectMissedRun(pattern, timezone, last, started, clock.now(), graceMs);
    if (m !== null && m.expectedAt.getTime() !== alerted) {
      alerted = m.expectedAt.getTime();
      safe(() => o.onMissedRun?.(m));
    }
    return m;
  };
  let timer: NodeJS.Timeout | undefined;
  if (every > 0) {
    timer = setInterval(checkMissed, every);
    timer.unref();
  }
  const close = (): void => {
    closed = true;
    job.stop();
    if (timer !== undefined) clearInterval(timer);
  };
  return {
    runNow,
    checkMissed,
    nextRun: () => job.nextRun(),
    close,
    [Symbol.dispose]: close,
  };
}
