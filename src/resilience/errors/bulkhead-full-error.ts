/** A call was refused because the bulkhead's slots and its queue were all taken: nothing was run. */
export class BulkheadFullError extends Error {
  /** Stable code. */
  readonly code = 'E_BULKHEAD_FULL' as const;
  /** The concurrency limit. */
  readonly limit: number;
  /** The queue bound. */
  readonly queueLimit: number;

  constructor(limit: number, queueLimit: number) {
    super(`bulkhead full: ${limit} running and ${queueLimit} queued`);
    this.limit = limit;
    this.queueLimit = queueLimit;
  }

  static {
    Object.defineProperty(this.prototype, 'name', {
      value: 'BulkheadFullError',
      writable: true,
      configurable: true,
    });
  }
}
