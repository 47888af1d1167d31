/**
 * The data dir or the store file is not there (or is an empty file): no evidence that trading is
 * allowed. Only `warden init` creates them (and `warden trip`, which may create what it needs to halt).
 */
export class StoreMissingError extends Error {
  readonly code = 'E_STORE_MISSING';
  constructor(
    message: string,
    /** The path that is missing or empty. */
    readonly path: string,
  ) {
    super(message);
    this.name = 'StoreMissingError';
  }
}
