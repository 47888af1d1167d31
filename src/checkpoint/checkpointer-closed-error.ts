/** `checkpointNow()` was called on an AutoCheckpointer after `close()`. */
export class CheckpointerClosedError extends Error {
  readonly code = 'E_CHECKPOINT_CLOSED';
  constructor() {
    super('the auto-checkpointer is closed');
    this.name = 'CheckpointerClosedError';
  }
}
