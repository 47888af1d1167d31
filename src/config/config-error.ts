/** A config file that is missing, unreadable or invalid; the message names the file, the field and what was expected. */
export class ConfigError extends Error {
  readonly code = 'E_CONFIG';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}
