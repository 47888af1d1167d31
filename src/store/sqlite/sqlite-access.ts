import type { SqliteBatcher } from './sqlite-batcher.js';

/**
 * What the SQLite order and DLQ stores share: reads run synchronously on the shared connection
 * and are refused after close; close commits queued writes and closes the batcher only when the
 * store made it (a batcher passed in belongs to the caller).
 */
export class SqliteAccess {
  readonly #what: string;
  readonly #batcher: SqliteBatcher;
  readonly #ownsBatcher: boolean;
  #closed = false;

  constructor(what: string, batcher: SqliteBatcher, ownsBatcher: boolean) {
    this.#what = what;
    this.#batcher = batcher;
    this.#ownsBatcher = ownsBatcher;
  }

  /** Runs a read; a throw becomes a rejection. */
  read<T>(fn: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(`${this.#what}: closed`));
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Commits queued writes; the connection stays open (it is the `SqliteStore`'s). */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#ownsBatcher) this.#batcher.close();
      else this.#batcher.flush();
    }
    return Promise.resolve();
  }
}
