import type { KillSwitchEvent, SpaceReserve, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { AlertSink } from '../util/alert-sink.js';
import type { FlattenHook, FlattenResult } from './flatten.js';

/** Options of a KillSwitch. */
export interface KillSwitchOptions {
  readonly store: Store;
  /** Where STOP and circuit.json live. */
  readonly dataDir: string;
  /** Where calls come from, recorded with every trip and resume (`library`, `cli`, `watchdog`...). */
  readonly source?: string;
  /** Re-read the store this often (ms) on an unref'd timer; the data dir is also watched. 0 = never. */
  readonly pollMs?: number;
  /**
   * Fleet mode's lease (ms): when no read of the store has succeeded for this long (a store that
   * hangs, a poll that stopped), the switch counts as engaged, with a reason that says so, until a
   * read succeeds again. 0 (the default) = no lease (one host: a failed read already halts).
   */
  readonly leaseMs?: number;
  /**
   * What a lost lease leaves behind once the store answers again. `trip` (the default): the
   * process records a trip (compare-and-set on the state it last confirmed), so trading resumes
   * only by a resume recorded after the outage: a trip another host could not record meanwhile
   * is never missed. `wait`: the process trades again as soon as it reads "running".
   */
  readonly leaseLost?: 'trip' | 'wait';
  readonly flatten?: FlattenHook;
  readonly alerts?: AlertSink;
  readonly clock?: Clock;
  /**
   * Space set aside in the data dir, released when a trip cannot be written for lack of space.
   * Long-running writers (the daemon, the watchdog) pass one and keep it filled.
   */
  readonly reserve?: SpaceReserve;
  /** Re-create the reserve when it is missing and there is room (long-running writers). Default false. */
  readonly fillReserve?: boolean;
  /** Where loud lines go (stderr by default). */
  readonly shout?: (line: string) => void;
}

/** Arguments of a trip. */
export interface TripRequest {
  readonly reason: string;
  /** Who or what tripped it; defaults to the source. */
  readonly by?: string;
  readonly flatten?: boolean;
}

/** Arguments of a resume: a reason and a name are required. */
export interface ResumeRequest {
  readonly reason: string;
  readonly by: string;
  /**
   * The halt being cleared: the `eventId` of the state the person looked at. The resume is
   * written only if that is still the newest event (compare-and-set), else `ResumeConflictError`.
   * Defaults to this kill switch's cached state.
   */
  readonly haltId?: number | null;
}

/** The outcome of a trip: recorded in the store, or held in memory and the files when the store refused it. */
export type TripResult =
  | { readonly recorded: true; readonly event: KillSwitchEvent; readonly flatten: FlattenResult | null }
  | {
      readonly recorded: false;
      readonly event: null;
      /** Why the store did not take it. */
      readonly error: string;
      /** What halts instead: the STOP file, circuit.json, this process's memory. */
      readonly haltedBy: readonly string[];
      readonly flatten: FlattenResult | null;
    };
