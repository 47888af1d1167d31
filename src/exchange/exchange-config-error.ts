/** Why the config's `exchange` section could not become an `Exchange`. */
export type ExchangeConfigErrorCode =
  | 'E_CCXT_MISSING'
  | 'E_CCXT_UNKNOWN_EXCHANGE'
  | 'E_EXCHANGE_CREDENTIALS'
  | 'E_EXCHANGE_SANDBOX'
  | 'E_EXCHANGE_API_URL';

/** The `exchange` section names something Warden cannot build; the message names the field and the fix. */
export class ExchangeConfigError extends Error {
  constructor(
    readonly code: ExchangeConfigErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExchangeConfigError';
  }
}
