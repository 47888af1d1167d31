/** `alert()` was called after `close()`. */
export class AlerterClosedError extends Error {
  readonly code = 'E_ALERTER_CLOSED';
  constructor() {
    super('the alerter is closed; create a new one to send alerts');
    this.name = 'AlerterClosedError';
  }
}
