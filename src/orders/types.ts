import type { Order, OrderSide, OrderType } from '../exchange/index.js';

/** What a bot wants placed, under its idempotency key. */
export interface OrderIntent {
  /** The caller's key: the same key always means the same order (Stripe / IETF Idempotency-Key). */
  readonly idempotencyKey: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Base units, finite and > 0. */
  readonly amount: number;
  /** Required for limit orders. */
  readonly price?: number;
  /** Only reduces a position: allowed while the kill switch is halted. */
  readonly reduceOnly?: boolean;
  /**
   * The strategy key the gate's strategy breaker and rate limit know it by; a denied intent with
   * one becomes a shadow trade. Not part of the stored payload or its hash.
   */
  readonly strategy?: string;
}

/** Where an intent stands. `pending` and `in_flight` are unfinished; the rest are final (`denied` may be retried). */
export type IntentState = 'pending' | 'in_flight' | 'placed' | 'rejected' | 'dead' | 'denied';

/** An error as recorded with an intent or a DLQ entry. */
export interface RecordedError {
  /** When it happened (ms since epoch). */
  readonly at: number;
  /** The error's class name, e.g. `RequestTimeout`. */
  readonly name: string;
  /** Its stable code when it has one, e.g. `E_REQUEST_TIMEOUT`. */
  readonly code: string | null;
  readonly message: string;
}

/** One stored intent. */
export interface IntentRecord {
  readonly idempotencyKey: string;
  readonly payloadHash: string;
  readonly payload: string;
  readonly state: IntentState;
  readonly clientOrderId: string;
  readonly exchangeOrderId: string | null;
  /** JSON of the outcome (the order, or the error), when final. */
  readonly result: string | null;
  /** Why it is denied, dead or rejected. */
  readonly reason: string | null;
  readonly attempts: number;
  /** Who holds the claim (`host:pid:nonce`), while unfinished. */
  readonly owner: string | null;
  /** The claim lapses at this time (ms since epoch). */
  readonly leaseUntil: number;
  /**
   * When the latest send attempt went out (ms since epoch; the request's own timestamp), written
   * durably before the send; `null` while nothing was ever sent (a `denied` row).
   */
  readonly sentAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What `submit` answers when it did not throw. Denials and failures are values. */
export type SubmitResult =
  | {
      readonly status: 'placed';
      readonly idempotencyKey: string;
      readonly clientOrderId: string;
      readonly order: Order;
      /** True when this is a repeat served from the store (nothing was sent). */
      readonly replayed: boolean;
    }
  | { readonly status: 'denied'; readonly idempotencyKey: string; readonly reason: string }
  | {
      readonly status: 'rejected';
      readonly idempotencyKey: string;
      readonly clientOrderId: string;
      readonly error: RecordedError;
      readonly replayed: boolean;
    }
  | {
      readonly status: 'dead';
      readonly idempotencyKey: string;
      readonly clientOrderId: string;
      readonly dlqId: number | null;
      readonly reason: string;
      readonly error: RecordedError | null;
      readonly replayed: boolean;
    };

/** A gate's answer: `reason` is logged and returned with a denial. */
export interface GateDecision {
  readonly allow: boolean;
  readonly reason: string;
}

/** Decides whether an intent may be sent (the kill switch by default). */
export type OrderGate = (intent: OrderIntent) => GateDecision;

/**
 * Status of a dead-letter entry. `open`: waiting for a person; `replaying`: a replay holds it
 * (resolve is refused); `replayed`: a replay placed it; `placed`: a later submit or
 * reconciliation confirmed the order exists; `resolved`: closed by a person with a note.
 */
export type DlqStatus = 'open' | 'replaying' | 'replayed' | 'placed' | 'resolved';

/** Every DLQ status, in lifecycle order. */
export const DLQ_STATUSES: readonly DlqStatus[] = Object.freeze([
  'open',
  'replaying',
  'replayed',
  'placed',
  'resolved',
]);

/** What fails for good, kept for a person to look at. */
export interface DlqEntry {
  readonly id: number;
  readonly idempotencyKey: string;
  readonly clientOrderId: string | null;
  /** The intent as JSON. */
  readonly payload: string;
  /** Every error, oldest first. */
  readonly errors: readonly RecordedError[];
  readonly attempts: number;
  /** The failure class, e.g. `ambiguous`, `never`, `retryable`, `not_placed_before_crash`. */
  readonly errorClass: string;
  readonly reason: string;
  readonly status: DlqStatus;
  readonly note: string | null;
  /** Bumped by every status change (compare-and-set). */
  readonly version: number;
  /** While `replaying`: the replay's claim lapses at this time (ms since epoch); else 0. */
  readonly replayUntil: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A new dead-letter entry. */
export interface NewDlqEntry {
  readonly idempotencyKey: string;
  readonly clientOrderId: string | null;
  readonly payload: string;
  readonly errors: readonly RecordedError[];
  readonly attempts: number;
  readonly errorClass: string;
  readonly reason: string;
  readonly at: number;
}

/** Turns anything thrown into a `RecordedError`. */
export function recordError(err: unknown, at: number): RecordedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { at, name: err.name, code: typeof code === 'string' ? code : null, message: err.message };
  }
  return { at, name: 'Error', code: null, message: String(err) };
}
