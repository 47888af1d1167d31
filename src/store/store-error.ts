/** The store could not be opened, read or written (locked, read-only, corrupt, unreachable). */
export class StoreError extends Error {
  readonly code = 'E_STORE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}
