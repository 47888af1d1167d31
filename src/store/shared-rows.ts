import type { IntentRecord, IntentState } from '../orders/types.js';
import type { ModeRecord, OutboxAlert } from './types.js';
import type { SharedBreakerRecord, StoredStrategyState } from './shared-state-types.js';

// The rows both backends return alike (snake_case columns, times in ms) and their mapping.

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

/** An `alerts` outbox row. */
export interface AlertRow {
  id: number;
  channel: string;
  dedupe_key: string | null;
  severity: OutboxAlert['severity'];
  title: string;
  body: string;
  created_at: number;
  status: OutboxAlert['status'];
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  sent_at: number | null;
}

/** The row as the `AlertOutboxRepo` gives it. */
export const toAlert = (r: AlertRow): OutboxAlert => ({
  id: r.id,
  channel: r.channel,
  dedupeKey: r.dedupe_key,
  severity: r.severity,
  title: r.title,
  body: r.body,
  createdAt: r.created_at,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  sentAt: r.sent_at,
});

/** A `bot_modes` row, as both backends answer it. */
export interface ModeRow {
  bot: string;
  mode: ModeRecord['mode'];
  reason: string;
  detail: string;
  since: number;
  host: string;
  pid: number;
  epoch: number;
  seq: number;
  recorded_at: number;
}

export const toModeRecord = (r: ModeRow): ModeRecord => ({
  bot: r.bot,
  mode: r.mode,
  reason: r.reason,
  detail: r.detail,
  since: r.since,
  host: r.host,
  pid: r.pid,
  epoch: r.epoch,
  seq: r.seq,
  recordedAt: r.recorded_at,
});

/** A `strategy_state` row as both backends return it. */
export interface StrategyRow {
  name: string;
  version: number;
  doc: string;
  updated_at: number;
  updated_by: string;
}
/** A `shared_breakers` row as both backends return it. */
export interface BreakerRow {
  account: string;
  breaker: string;
  version: number;
  state: 'open' | 'closed';
  until: number;
  by: string;
  at: number;
  prober: string | null;
  probe_until: number;
}

export const toState = (r: StrategyRow): StoredStrategyState => ({
  name: r.name,
  version: r.version,
  doc: JSON.parse(r.doc) as Record<string, unknown>,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});
export const toBreaker = (r: BreakerRow): SharedBreakerRecord => ({
  account: r.account,
  breaker: r.breaker,
  version: r.version,
  state: r.state,
  until: r.until,
  by: r.by,
  at: r.at,
  prober: r.prober,
  probeUntil: r.probe_until,
});
