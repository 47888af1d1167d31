/** An intent that cannot be sent (bad size, price, symbol, key): nothing was stored or sent. */
export class InvalidIntentError extends Error {
  readonly code = 'E_INVALID_INTENT' as const;
  /** The field at fault, e.g. `amount`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`invalid order intent: ${field}: ${message}`);
    this.name = 'InvalidIntentError';
    this.field = field;
  }
}
