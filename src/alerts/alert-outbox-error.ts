/** An alert could not be recorded in the outbox: the store is unwritable. Nothing was sent. */
export class AlertOutboxError extends Error {
  readonly code = 'E_ALERT_OUTBOX';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AlertOutboxError';
  }
}
