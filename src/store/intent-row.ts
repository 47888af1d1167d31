import type { IntentRecord, IntentState } from '../orders/types.js';

/** An `intents` row as both backends return it (snake_case columns, times in ms). */
export interface IntentRow {
  idempotency_key: string;
  payload_hash: string;
  payload: string;
  state: IntentState;
  client_order_id: string;
  exchange_order_id: string | null;
  result: string | null;
  reason: string | null;
  attempts: number;
  owner: string | null;
  lease_until: number;
  sent_at: number | null;
  created_at: number;
  updated_at: number;
}

/** The row as the `OrderStore` interface gives it. */
export const toRecord = (r: IntentRow): IntentRecord => ({
  idempotencyKey: r.idempotency_key,
  payloadHash: r.payload_hash,
  payload: r.payload,
  state: r.state,
  clientOrderId: r.client_order_id,
  exchangeOrderId: r.exchange_order_id,
  result: r.result,
  reason: r.reason,
  attempts: r.attempts,
  owner: r.owner,
  leaseUntil: r.lease_until,
  sentAt: r.sent_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
