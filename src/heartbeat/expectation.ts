import { Cron } from 'croner';
import type { HeartbeatExpectation } from '../config/index.js';
import type { HeartbeatRecord } from '../store/index.js';

/** Why a heartbeat is unhealthy. */
export type ProblemKind = 'missing' | 'late' | 'unfinished' | 'failed' | 'status' | 'clock_skew';

/** Options of an expectation that are the watchdog's, not the heartbeat's. */
export interface ExpectationOptions {
  /** How far a beat may be stamped ahead of the watchdog's clock (or of its received time) before it is `clock_skew`. */
  readonly clockSkewToleranceMs?: number;
}

/** The default of `clockSkewToleranceMs`. */
export const DEFAULT_CLOCK_SKEW_TOLERANCE_MS = 5000;

/** The watchdog's verdict on one heartbeat at one instant. */
export type Verdict =
  { readonly ok: true } | { readonly ok: false; readonly kind: ProblemKind; readonly detail: string };

const OK: Verdict = Object.freeze({ ok: true });
const WINDOWS_MS = [3_600_000, 86_400_000, 8 * 86_400_000, 32 * 86_400_000, 367 * 86_400_000];

/** The latest time at or before `t` that a cron schedule fires, or null within a year. */
export function lastFireAtOrBefore(cron: Cron, t: number): number | null {
  for (const w of WINDOWS_MS) {
    let cursor = new Date(t - w);
    let last: number | null = null;
    for (let i = 0; i < 5000; i++) {
      const next = cron.nextRun(cursor);
      if (!next || next.getTime() > t) break;
      last = next.getTime();
      cursor = next;
    }
    if (last !== null) return last;
  }
  return null;
}

const secs = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`);

/** Compiled expectation for one heartbeat (period + grace, or cron + grace, as healthchecks.io models it). */
export class Expectation {
  readonly name: string;
  readonly #periodMs: number | null;
  readonly #graceMs: number;
  readonly #cron: Cron | null;
  readonly #skewMs: number;
  readonly config: HeartbeatExpectation;

  constructor(config: HeartbeatExpectation, opts: ExpectationOptions = {}) {
    const skew = opts.clockSkewToleranceMs ?? DEFAULT_CLOCK_SKEW_TOLERANCE_MS;
    if (!(skew >= 0) || !Number.isFinite(skew))
      throw new RangeError(`clockSkewToleranceMs: expected a non-negative number, got ${skew}`);
    this.#skewMs = skew;
    this.config = config;
    this.name = config.name;
    this.#graceMs = config.graceSec * 1000;
    this.#periodMs = config.periodSec !== undefined ? config.periodSec * 1000 : null;
    try {
      this.#cron =
        config.cron !== undefined ? new Cron(config.cron, { timezone: config.timezone, paused: true }) : null;
    } catch (err) {
      throw new RangeError(
        `heartbeats.${config.name}.cron: ${(err as Error).message} (got ${JSON.stringify(config.cron)})`,
      );
    }
  }

  /** How long a brand-new heartbeat may stay silent after the watchdog first expects it. */
  get allowanceMs(): number {
    return (this.#periodMs ?? 0) + this.#graceMs;
  }

  /**
   * Judges `rec` at `now`; `expectedSince` is when the watchdog first started expecting this name.
   * Lateness is judged on the time the store received each report (`receivedAt`), never on the
   * writer's stamp, so a writer whose clock is fast cannot look alive; a stamp ahead of the
   * watchdog's clock is `clock_skew`. Order: failed, unfinished, missing / late, clock_skew, status.
   */
  judge(rec: HeartbeatRecord | null, now: number, expectedSince: number): Verdict {
    if (rec?.kind === 'fail') {
      return {
        ok: false,
        kind: 'failed',
        detail: `${this.name} failed${rec.exitCode !== null ? ` (exit ${rec.exitCode})` : ''}`,
      };
    }
    if (rec?.kind === 'start' && rec.startedAt !== null) {
      // A start is the latest report, so it was received at `receivedAt`.
      const limit = this.#cron ? this.#graceMs : this.allowanceMs;
      if (now - rec.receivedAt > limit) {
        return {
          ok: false,
          kind: 'unfinished',
          detail: `${this.name} started ${secs(now - rec.receivedAt)} ago and has not finished (limit ${secs(limit)})`,
        };
      }
    }
    if (this.#cron) {
      const due = lastFireAtOrBefore(this.#cron, now - this.#graceMs);
      if (due !== null && due >= expectedSince) {
        const lastDone = rec === null ? null : rec.kind === 'beat' ? rec.receivedAt : rec.lastOkReceivedAt;
        if (lastDone === null || lastDone < due) {
          return {
            ok: false,
            kind: rec === null ? 'missing' : 'late',
            detail: `${this.name} was due at ${new Date(due).toISOString()} (+${secs(this.#graceMs)} grace) and has not reported`,
          };
        }
      }
    } else if (this.#periodMs !== null) {
      const last = rec?.receivedAt ?? null;
      if (last === null) {
        if (now - expectedSince > this.allowanceMs) {
          return { ok: false, kind: 'missing', detail: `heartbeat ${this.name} missing: never reported` };
        }
      } else if (now - last > this.allowanceMs) {
        return {
          ok: false,
          kind: 'late',
          detail: `heartbeat ${this.name} stale: ${secs(now - last)} > ${secs(this.allowanceMs)} (by the time it was received)`,
        };
      }
    }
    if (rec !== null) {
      const skew = this.#skew(rec, now);
      if (skew !== null) return skew;
    }
    if (rec?.kind === 'beat' && rec.status !== 'ok') {
      return { ok: false, kind: 'status', detail: `heartbeat ${this.name} status = ${rec.status}` };
    }
    return OK;
  }

  /** A report stamped (or received) ahead of the watchdog's clock, or stamped ahead of when it was received. */
  #skew(rec: HeartbeatRecord, now: number): Verdict | null {
    const tol = `tolerance ${secs(this.#skewMs)}`;
    const stampAhead = rec.at - now;
    if (stampAhead > this.#skewMs) {
      return {
        ok: false,
        kind: 'clock_skew',
        detail: `heartbeat ${this.name} is stamped ${secs(stampAhead)} ahead of the watchdog's clock (${tol}): the writer's clock or this host's is wrong`,
      };
    }
    const receivedAhead = rec.receivedAt - now;
    if (receivedAhead > this.#skewMs) {
      return {
        ok: false,
        kind: 'clock_skew',
        detail: `heartbeat ${this.name} was received ${secs(receivedAhead)} ahead of the watchdog's clock (${tol}): the store's clock and this host's disagree`,
      };
    }
    const stampVsReceived = rec.at - rec.receivedAt;
    if (stampVsReceived > this.#skewMs) {
      return {
        ok: false,
        kind: 'clock_skew',
        detail: `heartbeat ${this.name} was stamped ${secs(stampVsReceived)} ahead of the time it was received (${tol}): the writer's clock is fast`,
      };
    }
    return null;
  }
}
