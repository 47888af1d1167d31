/** The idempotency key was used before with a different order: nothing is sent. */
export class IdempotencyMismatchError extends Error {
  readonly code = 'E_IDEMPOTENCY_MISMATCH' as const;
  readonly idempotencyKey: string;
  constructor(idempotencyKey: string) {
    super(`idempotency key ${idempotencyKey} was already used with a different order; use a new key`);
    this.name = 'IdempotencyMismatchError';
    this.idempotencyKey = idempotencyKey;
  }
}
