import { CircuitBreakerError } from './circuit-breaker-error.js';

/** The breaker states a rejection can come from. */
export type RejectingState = 'open' | 'half-open' | 'forced-open';

/**
 * A call was refused because the circuit is open: nothing was sent. Built without a stack
 * by default (a stack costs microseconds on the hot path); pass `captureStack: true` to the
 * breaker to get one. Without a stack, one instance is shared by the rejections of an open
 * period: treat it as read-only. Extends `CircuitBreakerError`.
 */
export class CircuitOpenError extends CircuitBreakerError {
  /** Stable code. */
  readonly code = 'E_CIRCUIT_OPEN' as const;
  /** The state that refused the call. */
  readonly state: RejectingState;
  /** When (epoch ms) the breaker will admit a probe; `null` when forced open until further notice. */
  readonly retryAfter: number | null;

  constructor(breaker: string, state: RejectingState, retryAfter: number | null, captureStack = false) {
    const limit = Error.stackTraceLimit;
    if (!captureStack) Error.stackTraceLimit = 0;
    super(breaker, `circuit "${breaker}" is ${state}: call not sent`);
    if (!captureStack) Error.stackTraceLimit = limit;
    this.state = state;
    this.retryAfter = retryAfter;
  }

  static {
    Object.defineProperty(this.prototype, 'name', {
      value: 'CircuitOpenError',
      writable: true,
      configurable: true,
    });
  }
}
