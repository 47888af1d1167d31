import type { SpaceReserve, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { AlertInput, AlertSink } from '../util/alert-sink.js';
import type { HaltState } from './halt-state.js';
import type { PendingTrip } from './pending-trip.js';
import type { CircuitFile } from './files.js';
import { mirrorCircuit } from './halt-by-files.js';

/**
 * What the parts of one kill switch share (its reads, its trip and resume): the settings, the
 * trip held in memory, and the cached state, which the `KillSwitch` itself owns (its hot path
 * reads its own field) and lends here by `state()` and `set()`.
 */
export interface SwitchContext {
  readonly store: Store;
  /** Where STOP and circuit.json live. */
  readonly dataDir: string;
  /** Where calls come from, recorded with every trip and resume. */
  readonly source: string;
  readonly clock: Clock;
  readonly alerts: AlertSink;
  readonly reserve: SpaceReserve | undefined;
  /** Re-create the reserve when it is missing and there is room (long-running writers). */
  readonly fillReserve: boolean;
  /** Where loud lines go. */
  readonly shout: (line: string) => void;
  /** A trip the store refused, held in memory until it is recorded (or a resume clears it). */
  pending: PendingTrip | null;
  /** Set by `close()`: no timer, watch or notice changes the state after. */
  closed: boolean;
  /** The cached state. */
  state(): HaltState;
  /** Replaces the cached state; listeners hear of a change. */
  set(s: HaltState): void;
}

/** Raises an alert; an alert sink that fails is shouted on stderr, never thrown. */
export async function raiseAlert(ctx: SwitchContext, a: AlertInput): Promise<void> {
  try {
    await ctx.alerts.alert(a);
  } catch (err) {
    ctx.shout(
      `warden: ALERT NOT DELIVERED (${(err as Error).message}): [${a.severity}] ${a.title}: ${a.body}`,
    );
  }
}

/** Writes circuit.json; never throws (a mirror that cannot be written is shouted). */
export function mirror(ctx: SwitchContext, value: CircuitFile): void {
  mirrorCircuit(ctx.dataDir, value, ctx.reserve, ctx.shout);
}
