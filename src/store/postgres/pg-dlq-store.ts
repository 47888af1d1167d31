import type pg from 'pg';
import type { DlqGrowth, DlqStore, DlqTransition } from '../../orders/dlq-store.js';
import type { DlqEntry, DlqStatus, NewDlqEntry, RecordedError } from '../../orders/types.js';
import type { PgQuery, PgTx } from './pg-connection.js';
import * as Q from './pg-order-queries.js';
import { LOCK } from './pg-queries.js';
import { dlqEntryMapper, type DlqRow as SharedDlqRow } from '../shared-rows.js';

/** jsonb: the driver decodes the errors column. */
type DlqRow = SharedDlqRow<RecordedError[]>;
const toEntry = dlqEntryMapper<RecordedError[]>((v) => v);

/**
 * `DlqStore` on PostgreSQL. Every transition is one conditional UPDATE in a transaction that
 * also announces it (`pg_notify`, area `dlq`); a transition that can end a growth episode, and
 * `trackGrowth`, take the `dlq_growth` row lock first, so two processes never start one episode twice.
 */
export class PgDlqStore implements DlqStore {
  readonly #q: PgQuery;
  readonly #tx: PgTx;
  readonly #notify: (c: pg.PoolClient, id: number) => Promise<void>;

  constructor(q: PgQuery, tx: PgTx, notify: (c: pg.PoolClient, id: number) => Promise<void>) {
    this.#q = q;
    this.#tx = tx;
    this.#notify = notify;
  }

  enqueue(e: NewDlqEntry): Promise<number> {
    return this.#tx(async (c) => {
      const id = (
        await c.query<{ id: number }>(Q.DLQ_ENQUEUE, [
          e.idempotencyKey,
          e.clientOrderId,
          e.payload,
          JSON.stringify(e.errors),
          e.attempts,
          e.errorClass,
          e.reason,
          e.at,
        ])
      ).rows[0]!.id;
      await this.#notify(c, id);
      return id;
    });
  }

  async get(id: number): Promise<DlqEntry | null> {
    const r = (await this.#q<DlqRow>(Q.DLQ_GET, [id])).rows[0];
    return r === undefined ? null : toEntry(r);
  }

  async openFor(idempotencyKey: string): Promise<DlqEntry | null> {
    const r = (await this.#q<DlqRow>(Q.DLQ_OPEN_FOR, [idempotencyKey])).rows[0];
    return r === undefined ? null : toEntry(r);
  }

  async list(options: { status?: DlqStatus; limit?: number } = {}): Promise<DlqEntry[]> {
    return (await this.#q<DlqRow>(Q.DLQ_LIST, [options.status ?? null, options.limit ?? 100])).rows.map(
      toEntry,
    );
  }

  async countOpen(): Promise<number> {
    return (await this.#q<{ n: number }>(Q.DLQ_COUNT_OPEN)).rows[0]!.n;
  }

  claimReplay(id: number, owner: string, leaseUntil: number, now: number): Promise<DlqTransition> {
    return this.#transition(id, Q.DLQ_CLAIM_REPLAY, [owner, leaseUntil, now, id], false, now);
  }

  finishReplay(
    id: number,
    owner: string,
    status: 'replayed' | 'open',
    note: string | null,
    now: number,
  ): Promise<boolean> {
    return this.#tx(async (c) => {
      await c.query(LOCK, ['dlq_growth']);
      const done = (await c.query(Q.DLQ_FINISH_REPLAY, [status, note, now, id, owner])).rowCount === 1;
      if (done) {
        await c.query(Q.DLQ_EPISODE_END, [now]);
        await this.#notify(c, id);
      }
      return done;
    });
  }

  resolve(id: number, note: string, now: number): Promise<DlqTransition> {
    return this.#transition(id, Q.DLQ_RESOLVE, [note, now, id], true, now);
  }

  closePlaced(idempotencyKey: string, note: string, now: number): Promise<boolean> {
    return this.#tx(async (c) => {
      await c.query(LOCK, ['dlq_growth']);
      const r = (await c.query<{ id: number }>(Q.DLQ_CLOSE_PLACED, [note, now, idempotencyKey])).rows[0];
      if (r === undefined) return false;
      await c.query(Q.DLQ_EPISODE_END, [now]);
      await this.#notify(c, r.id);
      return true;
    });
  }

  async addError(id: number, error: RecordedError, now: number): Promise<boolean> {
    return (await this.#q(Q.DLQ_ADD_ERROR, [JSON.stringify(error), now, id])).rowCount === 1;
  }

  trackGrowth(threshold: number, now: number): Promise<DlqGrowth> {
    return this.#tx(async (c): Promise<DlqGrowth> => {
      await c.query(LOCK, ['dlq_growth']);
      await c.query(Q.DLQ_EPISODE_END, [now]);
      const open = (await c.query<{ n: number }>(Q.DLQ_COUNT_OPEN)).rows[0]!.n;
      if (open <= threshold) return { open, episode: null, started: false };
      const active = (await c.query<{ id: number }>(Q.DLQ_EPISODE_ACTIVE, [threshold])).rows[0];
      if (active !== undefined) return { open, episode: active.id, started: false };
      const episode = (await c.query<{ id: number }>(Q.DLQ_EPISODE_START, [threshold, now])).rows[0]!.id;
      return { open, episode, started: true };
    });
  }

  /** One conditional UPDATE; answers with the entry after it (or as it stands, when refused). */
  #transition(
    id: number,
    sql: string,
    values: unknown[],
    endsEpisodes: boolean,
    now: number,
  ): Promise<DlqTransition> {
    return this.#tx(async (c): Promise<DlqTransition> => {
      if (endsEpisodes) await c.query(LOCK, ['dlq_growth']);
      const done = (await c.query(sql, values)).rowCount === 1;
      if (done) {
        if (endsEpisodes) await c.query(Q.DLQ_EPISODE_END, [now]);
        await this.#notify(c, id);
      }
      const row = (await c.query<DlqRow>(Q.DLQ_GET, [id])).rows[0];
      const entry = row === undefined ? null : toEntry(row);
      return done && entry !== null ? { ok: true, entry } : { ok: false, entry };
    });
  }

  /** Nothing to do: the pool is the store's, closed by `Store.close()`. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
