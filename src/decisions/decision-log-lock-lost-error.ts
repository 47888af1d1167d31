/** The writer found its lock file gone or replaced, or the file grown by someone else: it stops rather than fork the chain. */
export class DecisionLogLockLostError extends Error {
  readonly code = 'E_DECISION_LOG_LOCK_LOST';
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`decision log ${file}: ${detail}; appends stopped so the chain cannot fork`);
    this.name = 'DecisionLogLockLostError';
  }
}
