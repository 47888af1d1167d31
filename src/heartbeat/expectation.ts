import { Cron } from 'croner';
import type { HeartbeatExpectation } from '../config/index.js';
import type { HeartbeatRecord } from '../store/index.js';

/** Why a heartbeat is unhealthy. */
export type ProblemKind = 'missing' | 'late' | 'unfinished' | 'failed' | 'status';

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
  readonly config: HeartbeatExpectation;

  constructor(config: HeartbeatExpectation) {
    this.config = config;
    this.name = config.name;
    this.#graceMs = config.graceSec * 1000;
    this.#periodMs = config.periodSec !== undefined ? config.periodSec * 1000 : null;
    try {
      this.#cron =
        config.cron !== undefined ? new Cron(config.cron, { timezone: config.tz, paused: true }) : null;
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

  /** Judges `rec` at `now`; `expectedSince` is when the watchdog first started expecting this name. */
  judge(rec: HeartbeatRecord | null, now: number, expectedSince: number): Verdict {
    if (rec?.kind === 'fail') {
      return {
        ok: false,
        kind: 'failed',
        detail: `${this.name} failed${rec.exitCode !== null ? ` (exit ${rec.exitCode})` : ''}`,
      };
    }
    if (rec?.kind === 'start' && rec.startedAt !== null) {
      const limit = this.#cron ? this.#graceMs : this.allowanceMs;
      if (now - rec.startedAt > limit) {
        return {
          ok: false,
          kind: 'unfinished',
          detail: `${this.name} started ${secs(now - rec.startedAt)} ago and has not finished (limit ${secs(limit)})`,
        };
      }
    }
    if (this.#cron) {
      const due = lastFireAtOrBefore(this.#cron, now - this.#graceMs);
      if (due !== null && due >= expectedSince) {
        const lastDone = rec === null ? null : rec.kind === 'beat' ? rec.at : rec.lastOkAt;
        if (lastDone === null || lastDone < due) {
          return {
            ok: false,
            kind: rec === null ? 'missing' : 'late',
            detail: `${this.name} was due at ${new Date(due).toISOString()} (+${secs(this.#graceMs)} grace) and has not reported`,
          };
        }
      }
    } else if (this.#periodMs !== null) {
      const last = rec?.at ?? null;
      if (last === null) {
        if (now - expectedSince > this.allowanceMs) {
          return { ok: false, kind: 'missing', detail: `heartbeat ${this.name} missing: never reported` };
        }
      } else if (now - last > this.allowanceMs) {
        return {
          ok: false,
          kind: 'late',
          detail: `heartbeat ${this.name} stale: ${secs(now - last)} > ${secs(this.allowanceMs)}`,
        };
      }
    }
    if (rec?.kind === 'beat' && rec.status !== 'ok') {
      return { ok: false, kind: 'status', detail: `heartbeat ${this.name} status = ${rec.status}` };
    }
    return OK;
  }
}
