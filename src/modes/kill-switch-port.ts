import type { HaltState, TripRequest, TripResult } from '../killswitch/index.js';

/** The part of the `KillSwitch` the modes and the loss limit use: trip, the cached state, its changes. */
export interface KillSwitchPort {
  trip(req: TripRequest): Promise<TripResult>;
  state(): HaltState;
  onChange(listener: (state: HaltState) => void): { dispose(): void };
}
