/** The four degradation modes, from most to least capable. */
export type Mode = 'FULL' | 'REDUCE_ONLY' | 'OBSERVATION' | 'SHUTDOWN';

/**
 * Why a mode holds: a stable snake_case code. `*_unknown` and `account_stale` are the
 * fail-closed paths (a signal never reported, or no longer reported).
 */
export type ModeReason =
  | 'nominal'
  | 'breaker_open'
  | 'reconciliation_pending'
  | 'resource_exhausted'
  | 'balance_unknown'
  | 'equity_unknown'
  | 'account_stale'
  | 'feed_unknown'
  | 'feed_stale'
  | 'clock_drift'
  | 'balance_below_minimum'
  | 'drawdown_exceeded';

/** The manager's state: a tagged union on `mode`. SHUTDOWN carries the trip it is waiting on. */
export type ModeState =
  | {
      readonly mode: 'FULL' | 'REDUCE_ONLY' | 'OBSERVATION';
      readonly reason: ModeReason;
      readonly detail: string;
      readonly since: number;
    }
  | {
      readonly mode: 'SHUTDOWN';
      readonly reason: ModeReason;
      readonly detail: string;
      readonly since: number;
      /** The kill-switch event id of the trip (null while it is written, or when the store refused it). */
      readonly tripEventId: number | null;
    };

/** One transition, as `onChange` listeners, the alert and the decision log see it. */
export interface ModeChange {
  readonly from: Mode;
  readonly to: Mode;
  readonly reason: ModeReason;
  readonly detail: string;
  readonly at: number;
}

/** Account and feed signals, pushed by the bot's health loop; an omitted field keeps its last value. */
export interface HealthReport {
  /** Free balance in the account currency. */
  readonly balance?: number;
  /** Equity (balance + open P&L); the manager keeps the peak and measures drawdown from it. */
  readonly equity?: number;
  /** Age of the price feed's last tick at the time of the report (ms). */
  readonly feedAgeMs?: number;
}

export type { BreakerStateName } from '../resilience/breaker-types.js';
