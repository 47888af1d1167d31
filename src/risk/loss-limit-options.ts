import type { Clock } from '../util/clock.js';
import type { AlertSink } from '../util/alert-sink.js';
import type { DecisionSink } from '../modes/degradation-options.js';
import type { KillSwitchPort } from '../modes/kill-switch-port.js';
import type { SessionBoundarySpec } from './session-boundary.js';

/** Options of a `SessionLossLimit`: at least one of `maxLoss` and `maxLossPct`. */
export interface SessionLossLimitOptions {
  /** Hit with flatten at the limit; the limit holds until the next boundary or a resume of that trip. */
  readonly killSwitch: KillSwitchPort;
  /** The most the session may lose, in the account currency (seed 000: 50). */
  readonly maxLoss?: number;
  /** The most the session may lose, as a fraction of start-of-session equity (0.05 = 5 %). */
  readonly maxLossPct?: number;
  /** Warn at this share of the limit (default 0.8). */
  readonly warnShare?: number;
  /** When sessions start (default: daily at 00:00 UTC). */
  readonly boundary?: SessionBoundarySpec;
  readonly alerts?: AlertSink;
  /** Warnings, trips and resets are appended as `kind: 'loss_limit'`. */
  readonly decisions?: DecisionSink;
  readonly clock?: Clock;
  /** Look for the boundary on an unref'd timer this often (ms); 0 = only on report and check. */
  readonly intervalMs?: number;
  /** Recorded as `by` of the trip and the decisions. */
  readonly by?: string;
  /** The state saved by `toJSON()` before a restart; used only while its session is still the current one. */
  readonly initialState?: LossLimitSnapshot;
}

/** What a restart must keep: the session's baseline and whether the limit was hit (`toJSON()`). */
export interface LossLimitSnapshot {
  readonly sessionStart: number;
  readonly realised0: number | null;
  readonly unrealised0: number | null;
  readonly startEquity: number | null;
  readonly tripped: boolean;
  /** The kill-switch event of the trip (null: none, or not recorded). */
  readonly tripEventId: number | null;
}

/** P&L pushed by the bot. `realised` is cumulative (any origin); only its change within the session counts. */
export interface PnlReport {
  readonly realised: number;
  readonly unrealised: number;
  /** Equity now; the first report of a session sets the start-of-session equity. */
  readonly equity: number;
}

/** The limit's state: a tagged union. */
export type LossLimitState =
  | { readonly state: 'awaiting_pnl'; readonly sessionStart: number; readonly nextBoundary: number }
  | {
      readonly state: 'active' | 'warned';
      readonly sessionStart: number;
      readonly nextBoundary: number;
      readonly startEquity: number;
      /** Lost so far this session (negative: a gain). */
      readonly loss: number;
      /** The larger of loss/maxLoss and lossPct/maxLossPct. */
      readonly share: number;
    }
  | {
      readonly state: 'tripped';
      readonly sessionStart: number;
      readonly nextBoundary: number;
      readonly startEquity: number;
      readonly loss: number;
      readonly share: number;
      readonly trippedAt: number;
    }
  | {
      readonly state: 'bad_pnl';
      readonly sessionStart: number;
      readonly nextBoundary: number;
      readonly detail: string;
    };

/** A limit option: a positive finite number, or a RangeError naming it. */
export function positive(name: string, v: number | undefined): number {
  if (v === undefined) return Infinity;
  if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`${name}: must be a number > 0 (got ${v})`);
  return v;
}
