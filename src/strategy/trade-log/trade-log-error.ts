/** The trade log cannot be evaluated: missing, empty, or with an unusable header. */
export class TradeLogError extends Error {
  readonly code = 'E_TRADE_LOG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TradeLogError';
  }
}
