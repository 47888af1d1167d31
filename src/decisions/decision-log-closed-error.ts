/** An append after `close()`. */
export class DecisionLogClosedError extends Error {
  readonly code = 'E_DECISION_LOG_CLOSED';
  constructor() {
    super('decision log is closed');
    this.name = 'DecisionLogClosedError';
  }
}
