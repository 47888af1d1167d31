import type { EvaluationOptions } from './evaluation-options.js';
import {
  ownEntry,
  roiOf,
  setEntry,
  type GroupEntry,
  type GroupFigures,
  type StrategyStatus,
  type Transition,
} from '../types.js';

/** Reason of a blocked group that stays blocked for want of shadow trades (Warden's departure). */
export const REASON_SHADOW_BELOW_MIN_N = 'shadow_below_min_n';
/** Reason of a group that had state but no trade in the window (Warden's departure). */
export const REASON_NO_TRADES = 'no_trades_in_window';
/** Reason of a group held blocked by `warden strategy block`. */
export const REASON_MANUAL_BLOCK = 'manual_block';

/** Inputs of one decision round. */
export interface DecideInput {
  /** The previous state's entries (empty on the first run). */
  readonly prev: Readonly<Record<string, GroupEntry>>;
  /** Real trades in the window, per group. */
  readonly real: ReadonlyMap<string, GroupFigures>;
  /** Resolved shadow trades in the window, per group. */
  readonly shadow: ReadonlyMap<string, GroupFigures>;
  readonly options: Pick<EvaluationOptions, 'trip' | 'recover' | 'minN'> &
    Partial<Pick<EvaluationOptions, 'recoveryBasis'>>;
  /** ISO time of this evaluation (`tripped_at` of a new trip). */
  readonly nowIso: string;
}

/** The new entries, in key order, and the status changes. */
export interface DecideOutput {
  readonly entries: Record<string, GroupEntry>;
  readonly transitions: Transition[];
}

/**
 * Applies seed 000's rules (min-n, trip, hysteresis) to every group, with Warden's two
 * departures: a blocked group is judged on its shadow trades (and stays blocked below min-n
 * of them), and a group with state but no trades in the window is kept. With
 * `recoveryBasis: 'trades'` a blocked group is judged as the seed judges it (min-n first, then
 * hysteresis on its real trades); only the second departure and manual blocks remain.
 */
export function decide(input: DecideInput): DecideOutput {
  const { prev, real, shadow, options, nowIso } = input;
  const keys = [...new Set([...real.keys(), ...Object.keys(prev)])].sort();
  const entries = Object.create(null) as Record<string, GroupEntry>;
  const transitions: Transition[] = [];
  const seedRules = options.recoveryBasis === 'trades';
  for (const key of keys) {
    const p = ownEntry(prev, key);
    const prevStatus: StrategyStatus = p?.status ?? 'active';
    const f = real.get(key) ?? { n: 0, pnl: 0, cost: 0 };
    const roi = roiOf(f);
    // Comparisons use the raw ratio (NaN / ±Infinity when the cost is 0), as pandas does.
    const ratio = f.pnl / f.cost;
    let e: GroupEntry;
    if (p?.override?.action === 'block') {
      e = {
        status: 'blocked',
        roi_30d: roi,
        n_30d: f.n,
        reason: REASON_MANUAL_BLOCK,
        tripped_at: p.tripped_at ?? nowIso,
      };
      e.override = p.override;
    } else if (seedRules) {
      e = seedRule(p, f, real.has(key), options, nowIso);
    } else if (prevStatus === 'blocked') {
      const s = shadow.get(key) ?? { n: 0, pnl: 0, cost: 0 };
      const sroi = roiOf(s);
      const sratio = s.pnl / s.cost;
      let status: StrategyStatus;
      let reason: string;
      if (s.n < options.minN) {
        status = 'blocked';
        reason = REASON_SHADOW_BELOW_MIN_N;
      } else if (sratio >= options.recover) {
        status = 'active';
        reason = 'recovered';
      } else {
        status = 'blocked';
        reason = 'still_below_threshold';
      }
      e = { status, roi_30d: roi, n_30d: f.n, reason, tripped_at: p?.tripped_at ?? null };
      e.basis = 'shadow';
      e.shadow_roi_30d = sroi;
      e.shadow_n_30d = s.n;
    } else if (f.n === 0) {
      // Had state, no trade in the window: kept so the runtime check never calls it unknown.
      e = { status: 'monitor', roi_30d: null, n_30d: 0, note: 'below_min_n', reason: REASON_NO_TRADES };
    } else if (f.n < options.minN) {
      e = { status: 'monitor', roi_30d: roi, n_30d: f.n, note: 'below_min_n' };
    } else if (ratio < options.trip) {
      e = { status: 'blocked', roi_30d: roi, n_30d: f.n, reason: 'roi_below_threshold', tripped_at: nowIso };
    } else {
      e = { status: 'active', roi_30d: roi, n_30d: f.n, reason: 'ok', tripped_at: p?.tripped_at ?? null };
    }
    setEntry(entries, key, e);
    if (p?.status !== e.status) {
      const kind =
        e.status === 'blocked'
          ? 'trip'
          : prevStatus === 'blocked' && e.status === 'active'
            ? 'recover'
            : 'other';
      transitions.push({
        key,
        from: p?.status ?? null,
        to: e.status,
        kind,
        reason: e.reason ?? e.note ?? '',
        roi: e.basis === 'shadow' ? (e.shadow_roi_30d ?? null) : e.roi_30d,
        n: e.basis === 'shadow' ? (e.shadow_n_30d ?? 0) : e.n_30d,
      });
    }
  }
  return { entries, transitions };
}

/**
 * Seed 000's rule for one group, verbatim in its order: below min-n it is `monitor` whatever it
 * was (so a blocked group whose real trades aged out is re-enabled, as in the seed); a blocked
 * group recovers at `recover` on its real trades; any other trips below `trip`. A group with
 * state and no trade in the window, which the seed drops (its check then fails open as
 * unknown), is kept as `monitor` (allowed, as the seed's check allows it, but not forgotten).
 */
function seedRule(
  p: GroupEntry | undefined,
  f: { n: number; pnl: number; cost: number },
  inWindow: boolean,
  options: Pick<EvaluationOptions, 'trip' | 'recover' | 'minN'>,
  nowIso: string,
): GroupEntry {
  if (!inWindow)
    return { status: 'monitor', roi_30d: null, n_30d: 0, note: 'below_min_n', reason: REASON_NO_TRADES };
  const roi = roiOf(f);
  if (f.n < options.minN) return { status: 'monitor', roi_30d: roi, n_30d: f.n, note: 'below_min_n' };
  const ratio = f.pnl / f.cost;
  const prevStatus = p?.status ?? 'active';
  let status: StrategyStatus;
  let reason: string;
  if (prevStatus === 'blocked') {
    if (ratio >= options.recover) [status, reason] = ['active', 'recovered'];
    else [status, reason] = ['blocked', 'still_below_threshold'];
  } else if (ratio < options.trip) [status, reason] = ['blocked', 'roi_below_threshold'];
  else [status, reason] = ['active', 'ok'];
  const trippedAt = status === 'blocked' && prevStatus !== 'blocked' ? nowIso : (p?.tripped_at ?? null);
  return { status, roi_30d: roi, n_30d: f.n, reason, tripped_at: trippedAt };
}
