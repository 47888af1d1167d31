/** The state file exists but cannot be used (not JSON, not an object). */
export class StateFileError extends Error {
  readonly code = 'E_STATE_FILE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateFileError';
  }
}
