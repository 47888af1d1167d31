import { verdict, type GateIntent, type LayerVerdict } from '../gate/layer.js';
import type { Mode } from './mode-types.js';

const L = 'mode';

/** The mode layer's verdicts, built once. */
export const MODE_VERDICTS = Object.freeze({
  full: verdict(L, true, 'mode_full'),
  reduceOnlyDeny: verdict(L, false, 'mode_reduce_only_deny_new_risk'),
  reduceOnlyReduce: verdict(L, true, 'mode_reduce_only_allow_reduce_only'),
  reduceOnlyCancel: verdict(L, true, 'mode_reduce_only_allow_cancel'),
  observationDeny: verdict(L, false, 'mode_observation_deny_orders'),
  /** OBSERVATION because a signal was never reported or stopped coming: the fail-closed path. */
  observationFailClosed: verdict(L, false, 'mode_signal_missing_fail_closed'),
  observationCancel: verdict(L, true, 'mode_observation_allow_cancel'),
  shutdownDeny: verdict(L, false, 'mode_shutdown_deny_new_risk'),
  shutdownReduce: verdict(L, true, 'mode_shutdown_allow_reduce_only'),
  shutdownCancel: verdict(L, true, 'mode_shutdown_allow_cancel'),
});

/**
 * What a mode lets through. FULL: everything. REDUCE_ONLY and SHUTDOWN: reduce-only orders and
 * cancels (closing out is the point of both). OBSERVATION: cancels only (pulling a resting order
 * that would fill at a price nobody can see is no new risk); every order, reduce-only too, is denied.
 */
export function modeVerdict(mode: Mode, intent: GateIntent, failClosed: boolean): LayerVerdict {
  const V = MODE_VERDICTS;
  switch (mode) {
    case 'FULL':
      return V.full;
    case 'REDUCE_ONLY':
      return intent.cancel ? V.reduceOnlyCancel : intent.reduceOnly ? V.reduceOnlyReduce : V.reduceOnlyDeny;
    case 'OBSERVATION':
      return intent.cancel ? V.observationCancel : failClosed ? V.observationFailClosed : V.observationDeny;
    case 'SHUTDOWN':
      return intent.cancel ? V.shutdownCancel : intent.reduceOnly ? V.shutdownReduce : V.shutdownDeny;
    default:
      return mode satisfies never;
  }
}
