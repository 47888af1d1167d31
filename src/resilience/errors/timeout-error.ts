/**
 * A call ran past its time limit. `abandoned` is true when the timeout stopped waiting while
 * the action may still be running (its eventual outcome is in `pending`): treat it as
 * ambiguous when the action has side effects.
 */
export class TimeoutError extends Error {
  /** Stable code. */
  readonly code = 'E_TIMEOUT' as const;
  /** The limit that was exceeded (ms). */
  readonly timeoutMs: number;
  /** True when the action was left running: it may still take effect. */
  readonly abandoned: boolean;
  /** In abandon mode, settles with the action's real outcome; otherwise `undefined`. */
  readonly pending: Promise<unknown> | undefined;

  constructor(
    timeoutMs: number,
    abandoned: boolean,
    pending?: Promise<unknown>,
    options?: { cause?: unknown },
  ) {
    super(
      abandoned
        ? `timed out after ${timeoutMs} ms; the action may still be running`
        : `timed out after ${timeoutMs} ms`,
      options,
    );
    this.timeoutMs = timeoutMs;
    this.abandoned = abandoned;
    this.pending = pending;
  }

  static {
    Object.defineProperty(this.prototype, 'name', {
      value: 'TimeoutError',
      writable: true,
      configurable: true,
    });
  }
}
