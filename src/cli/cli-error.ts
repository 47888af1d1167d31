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

/** Prints a command's failure as one line `warden: <message>` and returns its exit code. */
export function reportFailure(err: unknown): number {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`warden: ${msg.split('\n')[0]}\n`);
  return err instanceof CliError ? err.exitCode : 1;
}
