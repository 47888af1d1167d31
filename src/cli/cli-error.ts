/** A user-facing command failure: printed as one line `warden: <message>`, exit with `exitCode`. */
export class CliError extends Error {
  readonly code = 'E_CLI';
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}
