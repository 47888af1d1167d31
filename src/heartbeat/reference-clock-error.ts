/** A reference clock that could not be read: unreachable, timed out, or an answer that cannot be trusted. */
export class ReferenceClockError extends Error {
  readonly code = 'E_REFERENCE_CLOCK' as const;
  /** The reference's name, e.g. `sntp:pool.ntp.org:123`. */
  readonly reference: string;

  constructor(reference: string, message: string, options?: ErrorOptions) {
    super(`${reference}: ${message}`, options);
    this.name = 'ReferenceClockError';
    this.reference = reference;
  }
}
