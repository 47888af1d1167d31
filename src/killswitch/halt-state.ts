/** What halted trading, when halted. */
export type HaltSource =
  /** `warden trip` / `killSwitch.trip()` / an automatic trip, recorded in the store. */
  | 'store'
  /** A STOP file in the data dir: present = halted, whatever the store says. */
  | 'stop_file'
  /** circuit.json says paused, written by something other than Warden (seed 001's scripts). */
  | 'circuit_file'
  /** The store or circuit.json could not be read: the kill switch fails closed. */
  | 'unreadable'
  /**
   * A trip that could not be recorded in the store (full disk, read-only): held in memory by the
   * process that tripped, and shown to other processes by the STOP file and circuit.json.
   */
  | 'memory';

/** The kill switch as the hot path sees it. A tagged union: running, or halted with a source. */
export type HaltState =
  | { readonly halted: false; readonly checkedAt: number; readonly eventId: number | null }
  | {
      readonly halted: true;
      /**
       * The newest kill-switch event in the store when this state was read (null: none, or the
       * store is unreadable). A resume names it: the compare-and-set that refuses to clear a
       * halt that came after what the person looked at.
       */
      readonly eventId: number | null;
      readonly source: HaltSource;
      readonly reason: string;
      /** When the halt began (ms since the epoch). */
      readonly since: number;
      readonly by: string | null;
      readonly checkedAt: number;
    };

/** What an order would do to risk. Reduce-only orders and cancels are allowed while halted. */
export type OrderEffect = 'new_risk' | 'reduce_only' | 'cancel';

/** The kill switch's answer for one order. Preallocated constants on the hot path. */
export interface HaltDecision {
  readonly allow: boolean;
  readonly reason: 'running' | 'halted_deny_new_risk' | 'halted_allow_reduce_only' | 'halted_allow_cancel';
}

export const ALLOW_RUNNING: HaltDecision = Object.freeze({ allow: true, reason: 'running' });
export const DENY_HALTED: HaltDecision = Object.freeze({ allow: false, reason: 'halted_deny_new_risk' });
export const ALLOW_REDUCE: HaltDecision = Object.freeze({ allow: true, reason: 'halted_allow_reduce_only' });
export const ALLOW_CANCEL: HaltDecision = Object.freeze({ allow: true, reason: 'halted_allow_cancel' });
