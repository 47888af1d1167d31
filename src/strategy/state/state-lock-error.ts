/** The state file's lock is held by another live process for longer than the wait allows. */
export class StateLockError extends Error {
  readonly code = 'E_STATE_LOCKED';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateLockError';
  }
}
