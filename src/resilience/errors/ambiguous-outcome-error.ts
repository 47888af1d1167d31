/**
 * The call failed in a way that may still have taken effect (a timeout on a request that
 * creates something). Retry refuses to repeat it blindly; the `cause` is the original failure.
 */
export class AmbiguousOutcomeError extends Error {
  /** Stable code. */
  readonly code = 'E_AMBIGUOUS' as const;
  /** The attempt (0-based) whose outcome is unknown. */
  readonly attempt: number;

  constructor(message: string, attempt: number, options?: { cause?: unknown }) {
    super(message, options);
    this.attempt = attempt;
  }

  static {
    Object.defineProperty(this.prototype, 'name', {
      value: 'AmbiguousOutcomeError',
      writable: true,
      configurable: true,
    });
  }
}
