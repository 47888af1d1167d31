/**
 * The base of every error a circuit breaker raises itself (seed 002's `CircuitBreakerError`):
 * `catch (e) { if (e instanceof CircuitBreakerError) … }` catches a refusal by any breaker,
 * whatever its kind. The function's own errors pass through a breaker unchanged, never wrapped.
 */
export abstract class CircuitBreakerError extends Error {
  /** Stable code of the concrete error. */
  abstract readonly code: string;
  /** The breaker's name. */
  readonly breaker: string;

  constructor(breaker: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.breaker = breaker;
  }

  static {
    Object.defineProperty(this.prototype, 'name', {
      value: 'CircuitBreakerError',
      writable: true,
      configurable: true,
    });
  }
}
