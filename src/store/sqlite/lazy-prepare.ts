import type BetterSqlite3 from 'better-sqlite3';

type Prepare = BetterSqlite3.Database['prepare'];
type Stmt = BetterSqlite3.Statement<unknown[], unknown>;

/**
 * A statement prepared on its first use and kept (a memo per statement): a store opens with every
 * repo, and a hot-path command (guard, check, heartbeat, status) runs a few of their ~80
 * statements, so it prepares only those. A statement whose SQL cannot be prepared throws at its
 * first use, inside the repo call that turns the throw into a rejected StoreError.
 */
class LazyStatement {
  readonly #db: BetterSqlite3.Database;
  readonly #sql: string;
  #stmt: Stmt | undefined;

  constructor(db: BetterSqlite3.Database, sql: string) {
    this.#db = db;
    this.#sql = sql;
  }

  get #s(): Stmt {
    return (this.#stmt ??= this.#db.prepare(this.#sql));
  }

  get database(): BetterSqlite3.Database {
    return this.#db;
  }
  get source(): string {
    return this.#sql;
  }
  get reader(): boolean {
    return this.#s.reader;
  }
  get readonly(): boolean {
    return this.#s.readonly;
  }
  get busy(): boolean {
    return this.#stmt?.busy ?? false;
  }
  run(...params: unknown[]): BetterSqlite3.RunResult {
    return this.#s.run(...params);
  }
  get(...params: unknown[]): unknown {
    return this.#s.get(...params);
  }
  all(...params: unknown[]): unknown[] {
    return this.#s.all(...params);
  }
  iterate(...params: unknown[]): IterableIterator<unknown> {
    return this.#s.iterate(...params);
  }
  columns(): BetterSqlite3.ColumnDefinition[] {
    return this.#s.columns();
  }
  pluck(on?: boolean): this {
    this.#s.pluck(on);
    return this;
  }
  expand(on?: boolean): this {
    this.#s.expand(on);
    return this;
  }
  raw(on?: boolean): this {
    this.#s.raw(on);
    return this;
  }
  safeIntegers(on?: boolean): this {
    this.#s.safeIntegers(on);
    return this;
  }
  bind(...params: unknown[]): this {
    this.#s.bind(...params);
    return this;
  }
}

/** `db.prepare` with the preparing deferred to each statement's first use. */
export function lazyPrepare(db: BetterSqlite3.Database): Prepare {
  return ((sql: string) => new LazyStatement(db, sql)) as unknown as Prepare;
}
