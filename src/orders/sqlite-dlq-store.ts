import type BetterSqlite3 from 'better-sqlite3';
import type { DlqStore } from './dlq-store.js';
import { SqliteAccess } from './sqlite-access.js';
import { SqliteBatcher } from './sqlite-batcher.js';
import * as Q from './sqlite-order-queries.js';
import type { DlqEntry, DlqStatus, NewDlqEntry, RecordedError } from './types.js';

interface DlqRow {
  id: number;
  idempotency_key: string;
  client_order_id: string | null;
  payload: string;
  errors: string;
  attempts: number;
  error_class: string;
  reason: string;
  status: DlqStatus;
  note: string | null;
  created_at: number;
  updated_at: number;
}

const toEntry = (r: DlqRow): DlqEntry => ({
  id: r.id,
  idempotencyKey: r.idempotency_key,
  clientOrderId: r.client_order_id,
  payload: r.payload,
  errors: JSON.parse(r.errors) as RecordedError[],
  attempts: r.attempts,
  errorClass: r.error_class,
  reason: r.reason,
  status: r.status,
  note: r.note,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** `DlqStore` over a shared better-sqlite3 connection; prepared statements, group commit. */
export class SqliteDlqStore implements DlqStore {
  readonly #batcher: SqliteBatcher;
  readonly #access: SqliteAccess;
  readonly #s;

  constructor(db: BetterSqlite3.Database, options: { batcher?: SqliteBatcher; groupCommit?: boolean } = {}) {
    this.#batcher = options.batcher ?? new SqliteBatcher(db, { groupCommit: options.groupCommit });
    this.#access = new SqliteAccess('dlq store', this.#batcher, options.batcher === undefined);
    this.#s = {
      insert: db.prepare(Q.DLQ_INSERT),
      append: db.prepare(Q.DLQ_APPEND),
      get: db.prepare<[number], DlqRow>(Q.DLQ_GET),
      openFor: db.prepare<[string], DlqRow>(Q.DLQ_OPEN_FOR),
      list: db.prepare<[{ status: string | null; limit: number }], DlqRow>(Q.DLQ_LIST),
      countOpen: db.prepare<[], { n: number }>(Q.DLQ_COUNT_OPEN),
      setStatus: db.prepare(Q.DLQ_SET_STATUS),
      addError: db.prepare(Q.DLQ_ADD_ERROR),
    };
  }

  enqueue(e: NewDlqEntry): Promise<number> {
    const s = this.#s;
    return this.#batcher.write(() => {
      const open = s.openFor.get(e.idempotencyKey);
      if (open !== undefined) {
        const errors = [...(JSON.parse(open.errors) as RecordedError[]), ...e.errors];
        s.append.run(JSON.stringify(errors), e.attempts, e.errorClass, e.reason, e.at, open.id);
        return open.id;
      }
      const r = s.insert.run(
        e.idempotencyKey,
        e.clientOrderId,
        e.payload,
        JSON.stringify(e.errors),
        e.attempts,
        e.errorClass,
        e.reason,
        e.at,
        e.at,
      );
      return Number(r.lastInsertRowid);
    });
  }

  get(id: number): Promise<DlqEntry | null> {
    return this.#access.read(() => {
      const r = this.#s.get.get(id);
      return r === undefined ? null : toEntry(r);
    });
  }

  openFor(idempotencyKey: string): Promise<DlqEntry | null> {
    return this.#access.read(() => {
      const r = this.#s.openFor.get(idempotencyKey);
      return r === undefined ? null : toEntry(r);
    });
  }

  list(options: { status?: DlqStatus; limit?: number } = {}): Promise<DlqEntry[]> {
    return this.#access.read(() =>
      this.#s.list.all({ status: options.status ?? null, limit: options.limit ?? 100 }).map(toEntry),
    );
  }

  countOpen(): Promise<number> {
    return this.#access.read(() => this.#s.countOpen.get()!.n);
  }

  setStatus(id: number, status: DlqStatus, note: string | null, now: number): Promise<boolean> {
    return this.#batcher.write(() => this.#s.setStatus.run(status, note, now, id).changes === 1);
  }

  addError(id: number, error: RecordedError, now: number): Promise<boolean> {
    return this.#batcher.write(() => this.#s.addError.run(JSON.stringify(error), now, id).changes === 1);
  }

  /** Commits queued writes; the connection stays open. */
  close(): Promise<void> {
    return this.#access.close();
  }
}
