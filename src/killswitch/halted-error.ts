import type { HaltState } from './halt-state.js';

/** Thrown by callers that need an exception when trading is halted (the gate returns a value instead). */
export class HaltedError extends Error {
  readonly code = 'E_HALTED';
  constructor(readonly state: HaltState & { halted: true }) {
    super(`trading is halted (${state.source}): ${state.reason}`);
    this.name = 'HaltedError';
  }
}
