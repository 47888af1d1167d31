/** A decision could not be written or made durable (full disk, I/O error); the log stops taking appends. */
export class DecisionLogWriteError extends Error {
  readonly code = 'E_DECISION_LOG_WRITE';
  constructor(
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    const why = options?.cause instanceof Error ? options.cause.message : String(options?.cause);
    super(
      `decision log ${file}: write failed (${why}); appends are refused until the log is reopened, the file is left verifiable`,
      options,
    );
    this.name = 'DecisionLogWriteError';
  }
}
