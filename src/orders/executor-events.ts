import type { Order } from '../exchange/index.js';
import type { FailureClass } from '../resilience/index.js';

/**
 * One durable state change of an intent in the executor (after the store took it), or of its
 * order at the venue (`filled`: its filled amount grew; `cancelled`: canceled or expired there).
 */
export interface ExecutorStateChange {
  /** `claimed`: written pending, before the send; `unknown`: the outcome could not be learned (claim released). */
  readonly kind: 'claimed' | 'placed' | 'rejected' | 'dead' | 'denied' | 'unknown' | 'filled' | 'cancelled';
  readonly idempotencyKey: string;
  readonly symbol: string;
  readonly at: number;
  /** The venue's order, for `placed`, `filled` and `cancelled`. */
  readonly order?: Order;
  /** The failure's class, for `rejected`, `dead` and `unknown` (what the failure-class reactions dispatch on). */
  readonly failure?: FailureClass;
}

/** Anything with `markDirty()` (the `AutoCheckpointer`). */
export interface MarksDirty {
  markDirty(): void;
}

/**
 * Marks the checkpointer dirty on every state change of the executor (seed 003: a checkpoint on
 * every order placed, filled, canceled): one save follows at the end of the tick. Returns the
 * subscription's disposable.
 */
export function checkpointOnExecutorChanges(
  executor: { onStateChange(listener: (e: ExecutorStateChange) => void): { dispose(): void } },
  checkpointer: MarksDirty,
): { dispose(): void } {
  return executor.onStateChange(() => checkpointer.markDirty());
}
