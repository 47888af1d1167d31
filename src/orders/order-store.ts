import type { IntentRecord, IntentState } from './types.js';

/** A new claim on an idempotency key: the intent as it is written before anything is sent. */
export interface IntentClaim {
  readonly idempotencyKey: string;
  readonly payloadHash: string;
  readonly payload: string;
  readonly clientOrderId: string;
  readonly owner: string;
  readonly leaseUntil: number;
  readonly now: number;
}

/** The answer of `claim`: the key is ours (written `pending`), or the row that already holds it. */
export type ClaimOutcome =
  | { readonly claimed: true; readonly record: IntentRecord }
  | { readonly claimed: false; readonly existing: IntentRecord };

/** How an intent finished. */
export type IntentOutcome =
  | { readonly state: 'placed'; readonly exchangeOrderId: string; readonly result: string }
  | { readonly state: 'rejected' | 'dead'; readonly result: string | null; readonly reason: string }
  /** The check just before the send denied: nothing was sent. */
  | { readonly state: 'denied'; readonly result: null; readonly reason: string };

/** A saved reconciliation report. */
export interface StoredReconciliation {
  readonly id: number;
  readonly at: number;
  readonly ok: boolean;
  readonly differences: number;
  readonly report: string;
}

/**
 * Durable idempotency keys. Every write is durable when its promise resolves. Every state
 * change is an atomic compare-and-set, so several processes (or hosts, on PostgreSQL) can
 * share one store: a key is claimed by exactly one of them.
 */
export interface OrderStore {
  /** Inserts the intent as `pending` owned by `owner` with `sentAt = now` (the first send follows at once), or re-claims a `denied` row with the same payload; else returns the row that holds the key. */
  claim(claim: IntentClaim): Promise<ClaimOutcome>;
  /** Records a gate denial: inserts a `denied` row, or updates one; never touches a row in another state. */
  deny(claim: Omit<IntentClaim, 'owner' | 'leaseUntil'>, reason: string): Promise<ClaimOutcome>;
  /**
   * Takes an unfinished (or, with `fromStates`, another) row over: succeeds only when the row is
   * still as the caller last saw it (same state, owner and lease). Sets `in_flight`, the new owner and lease.
   */
  takeOver(
    seen: Pick<IntentRecord, 'idempotencyKey' | 'state' | 'owner' | 'leaseUntil'>,
    owner: string,
    leaseUntil: number,
    now: number,
  ): Promise<IntentRecord | null>;
  /** Counts one more send attempt of an unfinished intent owned by `owner`, records `now` as its send time, and extends its lease (state `in_flight` after the first). */
  recordAttempt(key: string, owner: string, leaseUntil: number, now: number): Promise<boolean>;
  /** Extends the lease of an unfinished intent still owned by `owner` (before a slow lookup). False when not owned any more. */
  renew(key: string, owner: string, leaseUntil: number, now: number): Promise<boolean>;
  /** Finishes an unfinished intent. False when it was not unfinished any more. */
  finish(key: string, outcome: IntentOutcome, now: number): Promise<boolean>;
  /** Lets the claim lapse now (an outcome that stayed unknown): the next repeat or reconciliation resolves it. */
  release(key: string, owner: string, now: number): Promise<void>;
  get(key: string): Promise<IntentRecord | null>;
  getByClientOrderId(clientOrderId: string): Promise<IntentRecord | null>;
  /** Every `pending` and `in_flight` intent, oldest first. */
  listUnfinished(): Promise<IntentRecord[]>;
  /** Intents by state (newest first). */
  list(options?: { state?: IntentState; limit?: number }): Promise<IntentRecord[]>;
  /** Keeps a reconciliation report. */
  saveReconciliation(at: number, ok: boolean, differences: number, report: string): Promise<number>;
  latestReconciliation(): Promise<StoredReconciliation | null>;
  /** Kept reconciliation reports, newest first (the audit export's); a backend without it exports the latest only. */
  listReconciliations?(limit?: number): Promise<StoredReconciliation[]>;
  close(): Promise<void>;
}
