// Warden's mirror of ccxt's error taxonomy. One concept: each class's `name` is ccxt's class
// name and the inheritance follows ccxt's (errors.js), so code written against ccxt's
// `instanceof` semantics reads the same; ccxt itself is never imported here.

/** Options shared by every exchange error. */
export interface ExchangeErrorOptions {
  readonly cause?: unknown;
}

/** The base of every error a venue (or the simulator) reports. */
export class ExchangeError extends Error {
  /** Stable code for logs and the DLQ. */
  readonly code: string = 'E_EXCHANGE';
  constructor(message: string, options?: ExchangeErrorOptions) {
    super(message, options);
    this.name = 'ExchangeError';
  }
}

/** The request failed on the way: the venue may or may not have acted on it. */
export class NetworkError extends ExchangeError {
  override readonly code: string = 'E_NETWORK';
  constructor(message: string, options?: ExchangeErrorOptions) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

/** No answer in time; for an order, the order may be live (ccxt documents the same). */
export class RequestTimeout extends NetworkError {
  override readonly code: string = 'E_REQUEST_TIMEOUT';
  constructor(message: string, options?: ExchangeErrorOptions) {
    super(message, options);
    this.name = 'RequestTimeout';
  }
}

/**
 * The venue refused the request because its timestamp is outside the receive window (Binance
 * -1021): it was not acted on, so it is safe to send again with a fresh timestamp.
 */
export class InvalidNonce extends NetworkError {
  override readonly code: string = 'E_INVALID_NONCE';
  constructor(message: string, options?: ExchangeErrorOptions) {
    super(message, options);
    this.name = 'InvalidNonce';
  }
}

/** The venue is down or answered 5xx. */
export class ExchangeNotAvailable extends NetworkError {
  override readonly code: string = 'E_EXCHANGE_NOT_AVAILABLE';
  constructor(message: string, options?: ExchangeErrorOptions) {
    super(message, options);
    this.name = 'ExchangeNotAvailable';
  }
}

/** The venue is shedding load (HTTP 418/429 on Binance). */
export class DDoSProtection extends NetworkError {
  override readonly code: string = 'E_DDOS_PROTECTION';
  /** How long the venue asked us to wait, when it said (Retry-After). */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: ExchangeErrorOptions & { retryAfterMs?: number }) {
    super(message, options);
    this.name = 'DDoSProtection';
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** Too many requests. (ccxt derives it from NetworkError; Warden from DDoSProtection so one `instanceof` catches both.) */
export class RateLimitExceeded extends DDoSProtection {
  override readonly code: string = 'E_RATE_LIMIT';
  constructor(message: string, options?: ExchangeErrorOptions & { retryAfterMs?: number }) {
    super(message, options);
    this.name = 'RateLimitExceeded';
  }
}

/** The venue refused the request as malformed. */
export class BadRequest extends ExchangeError {
  override readonly code: string = 'E_BAD_REQUEST';
  constructor(message: string, options?: ExchangeErrorOptions) {
    super(message, options);
    this.name = 'BadRequest';
  }
}

/** The symbol is unknown to the venue. */
export class BadSymbol extends BadRequest {
  override readonly code: string = 'E_BAD_SYMBOL';
  constructor(message: string, options?: ExchangeErrorOptions) {
    super(message, options);
    this.name = 'BadSymbol';
  }
}

/** Not enough balance for the order. */
export class InsufficientFunds extends ExchangeError {
  override readonly code: string = 'E_INSUFFICIENT_FUNDS';
  constructor(message: string, options?: ExchangeErrorOptions) {
    super(message, options);
    this.name = 'InsufficientFunds';
  }
}

/** The venue rejected the order's parameters. */
export class InvalidOrder extends ExchangeError {
  override readonly code: string = 'E_INVALID_ORDER';
  constructor(message: string, options?: ExchangeErrorOptions) {
    super(message, options);
    this.name = 'InvalidOrder';
  }
}

/** The venue does not know the order. */
export class OrderNotFound extends InvalidOrder {
  override readonly code: string = 'E_ORDER_NOT_FOUND';
  constructor(message: string, options?: ExchangeErrorOptions) {
    super(message, options);
    this.name = 'OrderNotFound';
  }
}

/** An open order already carries this client order id. */
export class DuplicateOrderId extends InvalidOrder {
  override readonly code: string = 'E_DUPLICATE_ORDER_ID';
  constructor(message: string, options?: ExchangeErrorOptions) {
    super(message, options);
    this.name = 'DuplicateOrderId';
  }
}

/** The venue (or this adapter) does not offer the operation. */
export class NotSupported extends ExchangeError {
  override readonly code: string = 'E_NOT_SUPPORTED';
  constructor(message: string, options?: ExchangeErrorOptions) {
    super(message, options);
    this.name = 'NotSupported';
  }
}

/** Every class above, by name: the ccxt adapter maps ccxt errors through it. */
export const exchangeErrorClasses = Object.freeze({
  ExchangeError,
  NetworkError,
  RequestTimeout,
  InvalidNonce,
  ExchangeNotAvailable,
  DDoSProtection,
  RateLimitExceeded,
  BadRequest,
  BadSymbol,
  InsufficientFunds,
  InvalidOrder,
  OrderNotFound,
  DuplicateOrderId,
  NotSupported,
});

/** The name of one of Warden's exchange error classes. */
export type ExchangeErrorName = keyof typeof exchangeErrorClasses;

/** True when the outcome of the failed call is unknown: the venue may have acted on it. */
export function isAmbiguous(err: unknown): boolean {
  return err instanceof NetworkError && !(err instanceof DDoSProtection) && !(err instanceof InvalidNonce);
}
