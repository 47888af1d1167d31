/** The same idempotency key is being submitted right now (here or in another process): no second order is sent. */
export class InFlightError extends Error {
  readonly code = 'E_IN_FLIGHT' as const;
  readonly idempotencyKey: string;
  /** When the current claim lapses (ms since epoch). */
  readonly leaseUntil: number;
  constructor(idempotencyKey: string, leaseUntil: number) {
    super(
      `order ${idempotencyKey} is already in flight (claim held until ${new Date(leaseUntil).toISOString()})`,
    );
    this.name = 'InFlightError';
    this.idempotencyKey = idempotencyKey;
    this.leaseUntil = leaseUntil;
  }
}
