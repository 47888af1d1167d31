import type { DlqEntry, DlqStatus, IntentRecord, IntentState, RecordedError } from '../orders/types.js';
import type {
  FleetMember,
  HeartbeatRecord,
  Incident,
  KillSwitchEvent,
  ModeRecord,
  NewKillSwitchEvent,
  OutboxAlert,
} from './types.js';
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

/** A `dlq` row as both backends return it; `E` is its `errors` column (jsonb decoded, or JSON text). */
export interface DlqRow<E> {
  id: number;
  idempotency_key: string;
  client_order_id: string | null;
  payload: string;
  errors: E;
  attempts: number;
  error_class: string;
  reason: string;
  status: DlqStatus;
  note: string | null;
  version: number;
  replay_until: number;
  created_at: number;
  updated_at: number;
}

/** The row-to-entry mapping of a backend whose `errors` column `errors` decodes. */
export function dlqEntryMapper<E>(errors: (v: E) => RecordedError[]): (r: DlqRow<E>) => DlqEntry {
  return (r) => ({
    id: r.id,
    idempotencyKey: r.idempotency_key,
    clientOrderId: r.client_order_id,
    payload: r.payload,
    errors: errors(r.errors),
    attempts: r.attempts,
    errorClass: r.error_class,
    reason: r.reason,
    status: r.status,
    note: r.note,
    version: r.version,
    replayUntil: r.replay_until,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}

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

/**
 * The columns the backends type differently: a flag (SQLite 0/1, PostgreSQL boolean) and a JSON
 * object (SQLite text, PostgreSQL jsonb, decoded by the driver). Each backend names its own.
 */
export interface ColumnTypes {
  readonly flag: unknown;
  readonly json: unknown;
}

/** A backend's decode step (its column values as the records' types) and its flag's encoding. */
export interface ColumnDecode<C extends ColumnTypes> {
  flag(v: C['flag']): boolean;
  json(v: C['json']): Record<string, unknown>;
  /** A boolean as the backend stores it. */
  storeFlag(b: boolean): C['flag'];
}

/** A `kill_switch` row. */
export interface KillRow<C extends ColumnTypes> {
  id: number;
  action: 'trip' | 'resume';
  at: number;
  reason: string;
  by: string;
  source: string;
  host: string;
  pid: number;
  flatten: C['flag'];
  clears: number | null;
}

/** A `heartbeats` row (`received_at` null: a row older than that column, read as its `at`). */
export interface BeatRow<C extends ColumnTypes> {
  name: string;
  at: number;
  kind: HeartbeatRecord['kind'];
  status: string;
  last_ok_at: number | null;
  started_at: number | null;
  exit_code: number | null;
  extra: C['json'];
  received_at: number | null;
  last_ok_received_at: number | null;
}

/** A `fleet` row. */
export interface FleetRow<C extends ColumnTypes> {
  host: string;
  pid: number;
  role: string;
  info: C['json'];
  first_seen_at: number;
  last_seen_at: number;
}

/** An `incidents` row (the same on both backends). */
export interface IncidentRow {
  key: string;
  opened_at: number;
  kind: string;
  detail: string;
}

export const toIncident = (r: IncidentRow): Incident => ({
  key: r.key,
  openedAt: r.opened_at,
  kind: r.kind,
  detail: r.detail,
});

/**
 * The kill switch, heartbeat and fleet rows' mappers over one backend's decode step, and the
 * kill-switch insert's parameters in its statement's order.
 */
export function coreRowMappers<C extends ColumnTypes>(d: ColumnDecode<C>) {
  return {
    killParams: (e: NewKillSwitchEvent): unknown[] => [
      e.action,
      e.at,
      e.reason,
      e.by,
      e.source,
      e.host,
      e.pid,
      d.storeFlag(e.flatten),
      e.clears ?? null,
    ],
    toKill: (r: KillRow<C>): KillSwitchEvent => ({
      id: r.id,
      action: r.action,
      at: r.at,
      reason: r.reason,
      by: r.by,
      source: r.source,
      host: r.host,
      pid: r.pid,
      flatten: d.flag(r.flatten),
      clears: r.clears,
    }),
    toBeat: (r: BeatRow<C>): HeartbeatRecord => ({
      name: r.name,
      at: r.at,
      kind: r.kind,
      status: r.status,
      lastOkAt: r.last_ok_at,
      startedAt: r.started_at,
      exitCode: r.exit_code,
      extra: d.json(r.extra),
      receivedAt: r.received_at ?? r.at,
      lastOkReceivedAt: r.last_ok_received_at,
    }),
    toMember: (r: FleetRow<C>): FleetMember => ({
      host: r.host,
      pid: r.pid,
      role: r.role,
      info: d.json(r.info),
      firstSeenAt: r.first_seen_at,
      lastSeenAt: r.last_seen_at,
    }),
  };
}
