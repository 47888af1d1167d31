/** An exchange answer that lacks a required field or carries one of the wrong type. */
export class BadExchangeDataError extends Error {
  readonly code = 'E_BAD_EXCHANGE_DATA';
  /** The path of the offending field, e.g. `order.filled`. */
  readonly field: string;
  /** The value received (for the log). */
  readonly received: unknown;

  constructor(field: string, expected: string, received: unknown, options?: { cause?: unknown }) {
    super(`exchange answer: ${field} should be ${expected}, got ${describe(received)}`, options);
    this.name = 'BadExchangeDataError';
    this.field = field;
    this.received = received;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return typeof v;
}
