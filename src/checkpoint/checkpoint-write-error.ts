/** A checkpoint could not be written durably; the previous checkpoints are untouched. */
export class CheckpointWriteError extends Error {
  readonly code = 'E_CHECKPOINT_WRITE';
  constructor(
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    const why = options?.cause instanceof Error ? options.cause.message : String(options?.cause);
    super(`could not write checkpoint ${file}: ${why}`, options);
    this.name = 'CheckpointWriteError';
  }
}
