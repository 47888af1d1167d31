/**
 * No sequence number is left for the next checkpoint: a verified checkpoint already holds the
 * largest safe integer (only a forged file can). Nothing is written; remove that file to go on.
 */
export class CheckpointSequenceError extends Error {
  readonly code = 'E_CHECKPOINT_SEQUENCE';
  constructor(
    readonly dir: string,
    readonly seq: number,
  ) {
    super(
      `no checkpoint sequence number left after ${String(seq)} in ${dir}: ` +
        'a checkpoint with the largest sequence number is on disk; move it away to save again',
    );
    this.name = 'CheckpointSequenceError';
  }
}
