import type { EvaluationOptions } from './evaluation-options.js';
import { roiOf, type GroupEntry, type GroupFigures, type StrategyStatus, type Transition } from './types.js';

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
  readonly options: Pick<EvaluationOptions, 'trip' | 'recover' | 'minN'>;
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
 * of them), and a group with state but no trades in the window is kept.
 */
export function decide(input: DecideInput): DecideOutput {
  const { prev, real, shadow, options, nowIso } = input;
  const keys = [...new Set([...real.keys(), ...Object.keys(prev)])].sort();
  const entries: Record<string, GroupEntry> = {};
  const transitions: Transition[] = [];
  for (const key of keys) {
    const p = prev[key];
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
    entries[key] = e;
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
