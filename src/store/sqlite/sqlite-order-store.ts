import type BetterSqlite3 from 'better-sqlite3';
import type {
  ClaimOutcome,
  IntentClaim,
  IntentOutcome,
  OrderStore,
  StoredReconciliation,
} from '../../orders/order-store.js';
import { SqliteAccess } from './sqlite-access.js';
import { SqliteBatcher } from './sqlite-batcher.js';
import * as Q from './sqlite-order-queries.js';
import type { IntentRecord, IntentState } from '../../orders/types.js';
import { toRecord, type IntentRow } from '../shared-rows.js';
import { lazyPrepare } from './lazy-prepare.js';

interface ReconRow {
  id: number;
  at: number;
  ok: number;
  differences: number;
  report: string;
}

/**
 * `OrderStore` over a shared better-sqlite3 connection (`SqliteStore.database`): statements are
 * prepared once; writes go through a `SqliteBatcher` (group commit by default). The schema is
 * migration `002_orders.sql`. Never opens a connection of its own.
 */
export class SqliteOrderStore implements OrderStore {
  readonly #batcher: SqliteBatcher;
  readonly #access: SqliteAccess;
  readonly #s;

  /** `batcher`: share one with the `SqliteDlqStore` of the same connection so their writes commit together. */
  constructor(db: BetterSqlite3.Database, options: { batcher?: SqliteBatcher; groupCommit?: boolean } = {}) {
    this.#batcher = options.batcher ?? new SqliteBatcher(db, { groupCommit: options.groupCommit });
    this.#access = new SqliteAccess('orders store', this.#batcher, options.batcher === undefined);
    const prepare = lazyPrepare(db);
    this.#s = {
      insertPending: prepare(Q.INTENT_INSERT_PENDING),
      reclaimDenied: prepare(Q.INTENT_RECLAIM_DENIED),
      insertDenied: prepare(Q.INTENT_INSERT_DENIED),
      updateDenied: prepare(Q.INTENT_UPDATE_DENIED),
      takeOver: prepare(Q.INTENT_TAKE_OVER),
      attempt: prepare(Q.INTENT_ATTEMPT),
      renew: prepare(Q.INTENT_RENEW),
      finish: prepare(Q.INTENT_FINISH),
      release: prepare(Q.INTENT_RELEASE),
      get: prepare<[string], IntentRow>(Q.INTENT_GET),
      byClientId: prepare<[string], IntentRow>(Q.INTENT_BY_CLIENT_ID),
      unfinished: prepare<[], IntentRow>(Q.INTENT_UNFINISHED),
      list: prepare<[{ state: string | null; limit: number }], IntentRow>(Q.INTENT_LIST),
      reconInsert: prepare(Q.RECON_INSERT),
      reconLatest: prepare<[], ReconRow>(Q.RECON_LATEST),
      reconList: prepare<[number], ReconRow>(Q.RECON_LIST),
    };
  }

  claim(c: IntentClaim): Promise<ClaimOutcome> {
    const s = this.#s;
    return this.#batcher.write((): ClaimOutcome => {
      const ins = s.insertPending.run(
        c.idempotencyKey,
        c.payloadHash,
        c.payload,
        c.clientOrderId,
        c.owner,
        c.leaseUntil,
        c.now,
        c.now,
        c.now,
      );
      if (ins.changes === 1) {
        return {
          claimed: true,
          record: {
            idempotencyKey: c.idempotencyKey,
            payloadHash: c.payloadHash,
            payload: c.payload,
            state: 'pending',
            clientOrderId: c.clientOrderId,
            exchangeOrderId: null,
            result: null,
            reason: null,
            attempts: 1,
            owner: c.owner,
            leaseUntil: c.leaseUntil,
            sentAt: c.now,
            createdAt: c.now,
            updatedAt: c.now,
          },
        };
      }
      const re = s.reclaimDenied.run(c.owner, c.leaseUntil, c.now, c.now, c.idempotencyKey, c.payloadHash);
      const row = toRecord(s.get.get(c.idempotencyKey)!);
      return re.changes === 1 ? { claimed: true, record: row } : { claimed: false, existing: row };
    });
  }

  deny(c: Omit<IntentClaim, 'owner' | 'leaseUntil'>, reason: string): Promise<ClaimOutcome> {
    const s = this.#s;
    return this.#batcher.write((): ClaimOutcome => {
      const ins = s.insertDenied.run(
        c.idempotencyKey,
        c.payloadHash,
        c.payload,
        c.clientOrderId,
        reason,
        c.now,
        c.now,
      );
      if (ins.changes === 0) s.updateDenied.run(reason, c.now, c.idempotencyKey, c.payloadHash);
      const row = toRecord(s.get.get(c.idempotencyKey)!);
      return row.state === 'denied' && row.payloadHash === c.payloadHash
        ? { claimed: true, record: row }
        : { claimed: false, existing: row };
    });
  }

  takeOver(
    seen: Pick<IntentRecord, 'idempotencyKey' | 'state' | 'owner' | 'leaseUntil'>,
    owner: string,
    leaseUntil: number,
    now: number,
  ): Promise<IntentRecord | null> {
    const s = this.#s;
    return this.#batcher.write(() => {
      const r = s.takeOver.run(
        owner,
        leaseUntil,
        now,
        seen.idempotencyKey,
        seen.state,
        seen.owner,
        seen.leaseUntil,
      );
      return r.changes === 1 ? toRecord(s.get.get(seen.idempotencyKey)!) : null;
    });
  }

  recordAttempt(key: string, owner: string, leaseUntil: number, now: number): Promise<boolean> {
    return this.#batcher.write(() => this.#s.attempt.run(leaseUntil, now, now, key, owner).changes === 1);
  }

  renew(key: string, owner: string, leaseUntil: number, now: number): Promise<boolean> {
    return this.#batcher.write(() => this.#s.renew.run(leaseUntil, now, key, owner).changes === 1);
  }

  finish(key: string, outcome: IntentOutcome, now: number): Promise<boolean> {
    const s = this.#s;
    return this.#batcher.write(() => {
      const r =
        outcome.state === 'placed'
          ? s.finish.run('placed', outcome.exchangeOrderId, outcome.result, null, now, key)
          : s.finish.run(outcome.state, null, outcome.result, outcome.reason, now, key);
      return r.changes === 1;
    });
  }

  async release(key: string, owner: string, now: number): Promise<void> {
    await this.#batcher.write(() => this.#s.release.run(now, now, key, owner));
  }

  get(key: string): Promise<IntentRecord | null> {
    return this.#access.read(() => {
      const r = this.#s.get.get(key);
      return r === undefined ? null : toRecord(r);
    });
  }

  getByClientOrderId(clientOrderId: string): Promise<IntentRecord | null> {
    return this.#access.read(() => {
      const r = this.#s.byClientId.get(clientOrderId);
      return r === undefined ? null : toRecord(r);
    });
  }

  listUnfinished(): Promise<IntentRecord[]> {
    return this.#access.read(() => this.#s.unfinished.all().map(toRecord));
  }

  list(options: { state?: IntentState; limit?: number } = {}): Promise<IntentRecord[]> {
    return this.#access.read(() =>
      this.#s.list.all({ state: options.state ?? null, limit: options.limit ?? 100 }).map(toRecord),
    );
  }

  saveReconciliation(at: number, ok: boolean, differences: number, report: string): Promise<number> {
    return this.#batcher.write(() =>
      Number(this.#s.reconInsert.run(at, ok ? 1 : 0, differences, report).lastInsertRowid),
    );
  }

  latestReconciliation(): Promise<StoredReconciliation | null> {
    return this.#access.read(() => {
      const r = this.#s.reconLatest.get();
      return r === undefined ? null : { ...r, ok: r.ok === 1 };
    });
  }

  listReconciliations(limit = 100): Promise<StoredReconciliation[]> {
    return this.#access.read(() => this.#s.reconList.all(limit).map((r) => ({ ...r, ok: r.ok === 1 })));
  }

  /** Commits queued writes; the connection stays open. */
  close(): Promise<void> {
    return this.#access.close();
  }
}
