/** One durable state change of an intent in the executor (after the store took it). */
export interface ExecutorStateChange {
  /** `claimed`: written pending, before the send; `unknown`: the outcome could not be learned (claim released). */
  readonly kind: 'claimed' | 'placed' | 'rejected' | 'dead' | 'denied' | 'unknown';
  readonly idempotencyKey: string;
  readonly symbol: string;
  readonly at: number;
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
