import type BetterSqlite3 from 'better-sqlite3';
import type { DlqGrowth, DlqStore, DlqTransition } from '../../orders/dlq-store.js';
import { SqliteAccess } from './sqlite-access.js';
import { SqliteBatcher } from './sqlite-batcher.js';
import * as Q from './sqlite-order-queries.js';
import type { DlqEntry, DlqStatus, NewDlqEntry, RecordedError } from '../../orders/types.js';
import { lazyPrepare } from './lazy-prepare.js';
import { dlqEntryMapper, type DlqRow as SharedDlqRow } from '../shared-rows.js';

/** The errors column is JSON text. */
type DlqRow = SharedDlqRow<string>;
const toEntry = dlqEntryMapper<string>((v) => JSON.parse(v) as RecordedError[]);

/**
 * `DlqStore` over a shared better-sqlite3 connection; prepared statements, group commit. Each
 * transition is one conditional UPDATE inside an IMMEDIATE transaction, so two connections
 * (two processes) racing on one entry see exactly one succeed.
 */
export class SqliteDlqStore implements DlqStore {
  readonly #batcher: SqliteBatcher;
  readonly #access: SqliteAccess;
  readonly #s;

  constructor(db: BetterSqlite3.Database, options: { batcher?: SqliteBatcher; groupCommit?: boolean } = {}) {
    this.#batcher = options.batcher ?? new SqliteBatcher(db, { groupCommit: options.groupCommit });
    this.#access = new SqliteAccess('dlq store', this.#batcher, options.batcher === undefined);
    const prepare = lazyPrepare(db);
    this.#s = {
      insert: prepare(Q.DLQ_INSERT),
      append: prepare(Q.DLQ_APPEND),
      get: prepare<[number], DlqRow>(Q.DLQ_GET),
      openFor: prepare<[string], DlqRow>(Q.DLQ_OPEN_FOR),
      list: prepare<[{ status: string | null; limit: number }], DlqRow>(Q.DLQ_LIST),
      countOpen: prepare<[], { n: number }>(Q.DLQ_COUNT_OPEN),
      claimReplay: prepare(Q.DLQ_CLAIM_REPLAY),
      finishReplay: prepare(Q.DLQ_FINISH_REPLAY),
      resolve: prepare(Q.DLQ_RESOLVE),
      closePlaced: prepare(Q.DLQ_CLOSE_PLACED),
      addError: prepare(Q.DLQ_ADD_ERROR),
      episodeEnd: prepare(Q.DLQ_EPISODE_END),
      episodeActive: prepare<[number], { id: number }>(Q.DLQ_EPISODE_ACTIVE),
      episodeStart: prepare(Q.DLQ_EPISODE_START),
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

  claimReplay(id: number, owner: string, leaseUntil: number, now: number): Promise<DlqTransition> {
    return this.#transition(id, () => this.#s.claimReplay.run(owner, leaseUntil, now, id, now).changes);
  }

  finishReplay(
    id: number,
    owner: string,
    status: 'replayed' | 'open',
    note: string | null,
    now: number,
  ): Promise<boolean> {
    const s = this.#s;
    return this.#batcher.write(() => {
      const done = s.finishReplay.run(status, note, now, id, owner).changes === 1;
      if (done) s.episodeEnd.run(now);
      return done;
    });
  }

  resolve(id: number, note: string, now: number): Promise<DlqTransition> {
    return this.#transition(id, () => this.#s.resolve.run(note, now, id).changes, now);
  }

  closePlaced(idempotencyKey: string, note: string, now: number): Promise<boolean> {
    const s = this.#s;
    return this.#batcher.write(() => {
      const done = s.closePlaced.run(note, now, idempotencyKey).changes === 1;
      if (done) s.episodeEnd.run(now);
      return done;
    });
  }

  trackGrowth(threshold: number, now: number): Promise<DlqGrowth> {
    const s = this.#s;
    return this.#batcher.write((): DlqGrowth => {
      s.episodeEnd.run(now);
      const open = s.countOpen.get()!.n;
      if (open <= threshold) return { open, episode: null, started: false };
      const active = s.episodeActive.get(threshold);
      if (active !== undefined) return { open, episode: active.id, started: false };
      const episode = Number(s.episodeStart.run(threshold, now).lastInsertRowid);
      return { open, episode, started: true };
    });
  }

  /** Runs one conditional UPDATE and answers with the entry after it (or as it stands, when refused). */
  #transition(id: number, update: () => number, endEpisodesAt?: number): Promise<DlqTransition> {
    const s = this.#s;
    return this.#batcher.write((): DlqTransition => {
      const done = update() === 1;
      if (done && endEpisodesAt !== undefined) s.episodeEnd.run(endEpisodesAt);
      const row = s.get.get(id);
      const entry = row === undefined ? null : toEntry(row);
      return done && entry !== null ? { ok: true, entry } : { ok: false, entry };
    });
  }

  addError(id: number, error: RecordedError, now: number): Promise<boolean> {
    return this.#batcher.write(() => this.#s.addError.run(JSON.stringify(error), now, id).changes === 1);
  }

  /** Commits queued writes; the connection stays open. */
  close(): Promise<void> {
    return this.#access.close();
  }
}
