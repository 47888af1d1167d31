import { readFileSync, statSync } from 'node:fs';

/** The API token could not be read from where the config says it is. */
export class TokenSourceError extends Error {
  readonly code = 'E_TOKEN_SOURCE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenSourceError';
  }
}

/** Where the token comes from. */
export interface TokenSource {
  /** Env var holding the token (`daemon.tokenEnv`, default `WARDEN_TOKEN`). */
  readonly tokenEnv: string;
  /** A file holding the token (`daemon.tokenFile`): read when the env var is unset or empty. */
  readonly tokenFile?: string | undefined;
}

/**
 * The API token: the env var when set, else the token file. The file must be a regular file
 * readable by its owner only (no group or other permission bits, like an ssh key): a token
 * anyone on the host can read is refused with `E_TOKEN_SOURCE`, never used. A file that is
 * empty, missing or unreadable is refused the same way (the daemon does not start).
 */
export function readToken(src: TokenSource, env: NodeJS.ProcessEnv): string | undefined {
  const fromEnv = env[src.tokenEnv];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (src.tokenFile === undefined) return undefined;
  const path = src.tokenFile;
  let mode: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new TokenSourceError(`daemon.tokenFile: ${path} is not a regular file`);
    mode = st.mode;
  } catch (err) {
    if (err instanceof TokenSourceError) throw err;
    throw new TokenSourceError(`daemon.tokenFile: cannot read ${path} (${(err as Error).message})`, {
      cause: err,
    });
  }
  if ((mode & 0o077) !== 0)
    throw new TokenSourceError(
      `daemon.tokenFile: ${path} is readable by others (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${path}`,
    );
  const token = readFileSync(path, 'utf8').trim();
  if (token === '') throw new TokenSourceError(`daemon.tokenFile: ${path} is empty`);
  return token;
}
