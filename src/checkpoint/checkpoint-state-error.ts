/** The state handed to `save()` cannot be serialized to JSON (undefined, a function, a BigInt, a cycle). */
export class CheckpointStateError extends Error {
  readonly code = 'E_CHECKPOINT_STATE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointStateError';
  }
}
