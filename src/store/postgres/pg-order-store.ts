import type {
  ClaimOutcome,
  IntentClaim,
  IntentOutcome,
  OrderStore,
  StoredReconciliation,
} from '../../orders/order-store.js';
import type { IntentRecord, IntentState } from '../../orders/types.js';
import { toRecord, type IntentRow } from '../shared-rows.js';
import { StoreError } from '../store-error.js';
import type { PgQuery } from './pg-connection.js';
import * as Q from './pg-order-queries.js';

/**
 * `OrderStore` on PostgreSQL: every write is one autocommitted conditional statement, so two
 * processes (on two hosts) racing one idempotency key see exactly one claim: the insert is
 * `ON CONFLICT DO NOTHING`, the others read the row that holds the key. The pool is the store's.
 */
export class PgOrderStore implements OrderStore {
  readonly #q: PgQuery;

  constructor(q: PgQuery) {
    this.#q = q;
  }

  async #row(key: string): Promise<IntentRecord> {
    const r = (await this.#q<IntentRow>(Q.INTENT_GET, [key])).rows[0];
    if (r === undefined) throw new StoreError(`orders store: the row of key ${JSON.stringify(key)} vanished`);
    return toRecord(r);
  }

  async claim(c: IntentClaim): Promise<ClaimOutcome> {
    const ins = (
      await this.#q<IntentRow>(Q.INTENT_INSERT_PENDING, [
        c.idempotencyKey,
        c.payloadHash,
        c.payload,
        c.clientOrderId,
        c.owner,
        c.leaseUntil,
        c.now,
      ])
    ).rows[0];
    if (ins !== undefined) return { claimed: true, record: toRecord(ins) };
    const re = (
      await this.#q<IntentRow>(Q.INTENT_RECLAIM_DENIED, [
        c.owner,
        c.leaseUntil,
        c.now,
        c.idempotencyKey,
        c.payloadHash,
      ])
    ).rows[0];
    if (re !== undefined) return { claimed: true, record: toRecord(re) };
    return { claimed: false, existing: await this.#row(c.idempotencyKey) };
  }

  async deny(c: Omit<IntentClaim, 'owner' | 'leaseUntil'>, reason: string): Promise<ClaimOutcome> {
    const ins = (
      await this.#q<IntentRow>(Q.INTENT_INSERT_DENIED, [
        c.idempotencyKey,
        c.payloadHash,
        c.payload,
        c.clientOrderId,
        reason,
        c.now,
      ])
    ).rows[0];
    if (ins !== undefined) return { claimed: true, record: toRecord(ins) };
    const up = (
      await this.#q<IntentRow>(Q.INTENT_UPDATE_DENIED, [reason, c.now, c.idempotencyKey, c.payloadHash])
    ).rows[0];
    if (up !== undefined) return { claimed: true, record: toRecord(up) };
    return { claimed: false, existing: await this.#row(c.idempotencyKey) };
  }

  async takeOver(
    seen: Pick<IntentRecord, 'idempotencyKey' | 'state' | 'owner' | 'leaseUntil'>,
    owner: string,
    leaseUntil: number,
    now: number,
  ): Promise<IntentRecord | null> {
    const r = (
      await this.#q<IntentRow>(Q.INTENT_TAKE_OVER, [
        owner,
        leaseUntil,
        now,
        seen.idempotencyKey,
        seen.state,
        seen.owner,
        seen.leaseUntil,
      ])
    ).rows[0];
    return r === undefined ? null : toRecord(r);
  }

  async recordAttempt(key: string, owner: string, leaseUntil: number, now: number): Promise<boolean> {
    return (await this.#q(Q.INTENT_ATTEMPT, [leaseUntil, now, key, owner])).rowCount === 1;
  }

  async renew(key: string, owner: string, leaseUntil: number, now: number): Promise<boolean> {
    return (await this.#q(Q.INTENT_RENEW, [leaseUntil, now, key, owner])).rowCount === 1;
  }

  async finish(key: string, outcome: IntentOutcome, now: number): Promise<boolean> {
    const values =
      outcome.state === 'placed'
        ? ['placed', outcome.exchangeOrderId, outcome.result, null, now, key]
        : [outcome.state, null, outcome.result, outcome.reason, now, key];
    return (await this.#q(Q.INTENT_FINISH, values)).rowCount === 1;
  }

  async release(key: string, owner: string, now: number): Promise<void> {
    await this.#q(Q.INTENT_RELEASE, [now, key, owner]);
  }

  async get(key: string): Promise<IntentRecord | null> {
    const r = (await this.#q<IntentRow>(Q.INTENT_GET, [key])).rows[0];
    return r === undefined ? null : toRecord(r);
  }

  async getByClientOrderId(clientOrderId: string): Promise<IntentRecord | null> {
    const r = (await this.#q<IntentRow>(Q.INTENT_BY_CLIENT_ID, [clientOrderId])).rows[0];
    return r === undefined ? null : toRecord(r);
  }

  async listUnfinished(): Promise<IntentRecord[]> {
    return (await this.#q<IntentRow>(Q.INTENT_UNFINISHED)).rows.map(toRecord);
  }

  async list(options: { state?: IntentState; limit?: number } = {}): Promise<IntentRecord[]> {
    return (await this.#q<IntentRow>(Q.INTENT_LIST, [options.state ?? null, options.limit ?? 100])).rows.map(
      toRecord,
    );
  }

  async saveReconciliation(at: number, ok: boolean, differences: number, report: string): Promise<number> {
    return (await this.#q<{ id: number }>(Q.RECON_INSERT, [at, ok, differences, report])).rows[0]!.id;
  }

  async latestReconciliation(): Promise<StoredReconciliation | null> {
    return (await this.#q<StoredReconciliation & Record<string, unknown>>(Q.RECON_LATEST)).rows[0] ?? null;
  }

  /** Nothing to do: the pool is the store's, closed by `Store.close()`. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
