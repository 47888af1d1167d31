import { sectionKeyOf } from '../state/state-key.js';

/** The runtime check's answer: allow or not, and which path decided it. */
export interface CheckResult {
  readonly allow: boolean;
  readonly reason: string;
}

function result(allow: boolean, reason: string): CheckResult {
  return Object.freeze({ allow, reason });
}

/** The fail-open and deny answers, preallocated so the hot path allocates nothing. */
export const STATE_MISSING = result(true, 'state_missing_fail_open');
export const STATE_STALE = result(true, 'state_stale_fail_open');
export const UNKNOWN = result(true, 'unknown_fail_open');
export const EXCEPTION = result(true, 'exception_fail_open');
/** Fleet mode: the store has not confirmed the state within the lease (unreachable, or every read failing). */
export const STORE_UNCONFIRMED = result(true, 'store_unconfirmed_fail_open');
export const BLOCKED = result(false, 'circuit_breaker_blocked');

/** Default staleness: 30 h, as the seed (the evaluation runs daily, with slack). */
export const DEFAULT_STALE_AFTER_MS = 30 * 3_600_000;

/** A parsed state, ready to answer checks. */
export interface LoadedState {
  /** `as_of_unix` in ms (0 when absent, which reads as stale, as in the seed). */
  readonly asOfMs: number;
  readonly answers: ReadonlyMap<string, CheckResult>;
}

/**
 * Turns a state file's text into answers per key, following seed 000's reader: an empty or
 * unparsable state is missing; the entries are under `stateKey`, or under `strategies` /
 * `sports` when the file has only that one (a seed-written state is not "unknown"); a
 * key's status `blocked` denies, anything else allows with the
 * status as the reason (`active`, `monitor`). Returns null for a missing state.
 */
export function parseStateText(text: string, stateKey: string): LoadedState | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  return parseStateObject(v, stateKey);
}

/** The same as `parseStateText` for a state already parsed (the store's document). */
export function parseStateObject(v: unknown, stateKey: string): LoadedState | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length === 0) return null;
  const o = v as Record<string, unknown>;
  const asOf = typeof o['as_of_unix'] === 'number' ? o['as_of_unix'] * 1000 : 0;
  const answers = new Map<string, CheckResult>();
  const section = o[sectionKeyOf(o, stateKey)];
  if (section !== null && typeof section === 'object' && !Array.isArray(section)) {
    const cache = new Map<string, CheckResult>();
    for (const [key, entry] of Object.entries(section as Record<string, unknown>)) {
      if (entry === null || typeof entry !== 'object') continue;
      const st = (entry as Record<string, unknown>)['status'];
      const status = st === undefined ? 'active' : String(st);
      if (status === 'blocked') {
        answers.set(key, BLOCKED);
        continue;
      }
      let r = cache.get(status);
      if (r === undefined) {
        r = result(true, status);
        cache.set(status, r);
      }
      answers.set(key, r);
    }
  }
  return { asOfMs: asOf, answers };
}

/** One check against a loaded state at time `nowMs` (seed 000's order of tests). */
export function decideCheck(
  state: LoadedState | null,
  key: string,
  nowMs: number,
  staleAfterMs: number,
): CheckResult {
  if (state === null) return STATE_MISSING;
  if (nowMs - state.asOfMs > staleAfterMs) return STATE_STALE;
  return state.answers.get(key) ?? UNKNOWN;
}
