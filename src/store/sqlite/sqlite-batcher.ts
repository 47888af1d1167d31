import type BetterSqlite3 from 'better-sqlite3';

interface Queued {
  readonly op: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Options of `SqliteBatcher`. */
export interface SqliteBatcherOptions {
  /**
   * Group commit: the writes queued in one turn of the event loop share one transaction (one
   * fsync); each write's promise resolves after that commit. Default true. False: one
   * transaction (one fsync) per write.
   */
  readonly groupCommit?: boolean;
}

/**
 * Runs synchronous write operations on one better-sqlite3 connection inside IMMEDIATE
 * transactions, batching the writes that arrive in the same tick into one commit. A write's
 * promise resolves only after its transaction committed (durable with `synchronous=FULL`).
 * An operation that throws fails alone: SQLite rolls back the failed statement, not the batch.
 */
export class SqliteBatcher {
  readonly #group: boolean;
  #queue: Queued[] = [];
  #scheduled: NodeJS.Immediate | null = null;
  #closed = false;
  readonly #flush = (): void => this.flush();
  readonly #single: BetterSqlite3.Transaction<(op: () => unknown) => unknown>;
  readonly #many: BetterSqlite3.Transaction<(batch: Queued[], results: unknown[], failed: boolean[]) => void>;

  constructor(db: BetterSqlite3.Database, options: SqliteBatcherOptions = {}) {
    const group = options.groupCommit ?? true;
    if (typeof group !== 'boolean')
      throw new RangeError(`groupCommit must be a boolean, got ${String(group)}`);
    this.#group = group;
    this.#single = db.transaction((op: () => unknown) => op());
    this.#many = db.transaction((batch: Queued[], results: unknown[], failed: boolean[]) => {
      for (let i = 0; i < batch.length; i++) {
        try {
          results[i] = batch[i]!.op();
        } catch (err) {
          failed[i] = true;
          results[i] = err;
        }
      }
    });
  }

  /** True when writes are grouped. */
  get groupCommit(): boolean {
    return this.#group;
  }

  /** Runs `op` in a transaction (this tick's batch with group commit); resolves after the commit. */
  write<T>(op: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('orders store: closed'));
    if (!this.#group) {
      try {
        return Promise.resolve(this.#single.immediate(op) as T);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (this.#scheduled === null) this.#scheduled = setImmediate(this.#flush);
    });
  }

  /** Commits whatever is queued now (called by the scheduled tick, and by `close`). */
  flush(): void {
    if (this.#scheduled !== null) {
      clearImmediate(this.#scheduled);
      this.#scheduled = null;
    }
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    const results: unknown[] = new Array<unknown>(batch.length);
    const failed: boolean[] = new Array<boolean>(batch.length).fill(false);
    try {
      this.#many.immediate(batch, results, failed);
    } catch (err) {
      for (const q of batch) q.reject(err);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      if (failed[i] === true) batch[i]!.reject(results[i]);
      else batch[i]!.resolve(results[i]);
    }
  }

  /** Commits what is queued and refuses further writes. The connection is the caller's. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
  }
}
