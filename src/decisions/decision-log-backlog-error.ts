/** Too many decisions wait for a write that does not finish (a stalled disk): this one was not appended; the log stays open. */
export class DecisionLogBacklogError extends Error {
  readonly code = 'E_DECISION_LOG_BACKLOG';
  constructor(
    readonly pendingBytes: number,
    readonly maxPendingBytes: number,
  ) {
    super(
      `decision log: ${pendingBytes} bytes wait for a write or fsync that has not finished (limit ${maxPendingBytes}); this decision was not appended`,
    );
    this.name = 'DecisionLogBacklogError';
  }
}
