// SQL of the PostgreSQL order store and DLQ store: one named constant per statement. Every
// state change is one conditional statement (compare-and-set); the tables are migration 001.

const INTENT_COLUMNS =
  'idempotency_key, payload_hash, payload, state, client_order_id, exchange_order_id, result, reason, attempts, owner, lease_until, sent_at, created_at, updated_at';
const C = 'COLLATE "C"';

/** The claim: one insert that either takes the key or does nothing (another process holds it). */
export const INTENT_INSERT_PENDING = `INSERT INTO order_intents
  (idempotency_key, payload_hash, payload, state, client_order_id, attempts, owner, lease_until, sent_at, created_at, updated_at)
  VALUES ($1, $2, $3, 'pending', $4, 1, $5, $6, $7, $7, $7) ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING ${INTENT_COLUMNS}`;
export const INTENT_RECLAIM_DENIED = `UPDATE order_intents
  SET state = 'pending', attempts = 1, reason = NULL, owner = $1, lease_until = $2, sent_at = $3, updated_at = $3
  WHERE idempotency_key = $4 AND state = 'denied' AND payload_hash = $5 RETURNING ${INTENT_COLUMNS}`;
export const INTENT_INSERT_DENIED = `INSERT INTO order_intents
  (idempotency_key, payload_hash, payload, state, client_order_id, reason, created_at, updated_at)
  VALUES ($1, $2, $3, 'denied', $4, $5, $6, $6) ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${INTENT_COLUMNS}`;
export const INTENT_UPDATE_DENIED = `UPDATE order_intents SET reason = $1, updated_at = $2
  WHERE idempotency_key = $3 AND state = 'denied' AND payload_hash = $4 RETURNING ${INTENT_COLUMNS}`;
export const INTENT_TAKE_OVER = `UPDATE order_intents
  SET state = 'in_flight', owner = $1, lease_until = $2, updated_at = $3
  WHERE idempotency_key = $4 AND state = $5 AND owner IS NOT DISTINCT FROM $6 AND lease_until = $7
  RETURNING ${INTENT_COLUMNS}`;
export const INTENT_ATTEMPT = `UPDATE order_intents
  SET state = CASE WHEN attempts >= 1 THEN 'in_flight' ELSE state END,
      attempts = attempts + 1, lease_until = $1, sent_at = $2, updated_at = $2
  WHERE idempotency_key = $3 AND owner = $4 AND state IN ('pending', 'in_flight')`;
export const INTENT_RENEW = `UPDATE order_intents SET lease_until = $1, updated_at = $2
  WHERE idempotency_key = $3 AND owner = $4 AND state IN ('pending', 'in_flight')`;
export const INTENT_FINISH = `UPDATE order_intents
  SET state = $1, exchange_order_id = $2, result = $3, reason = $4, owner = NULL, lease_until = 0, updated_at = $5
  WHERE idempotency_key = $6 AND state IN ('pending', 'in_flight')`;
export const INTENT_RELEASE = `UPDATE order_intents SET lease_until = $1, updated_at = $1
  WHERE idempotency_key = $2 AND owner = $3 AND state IN ('pending', 'in_flight')`;
export const INTENT_GET = `SELECT ${INTENT_COLUMNS} FROM order_intents WHERE idempotency_key = $1`;
export const INTENT_BY_CLIENT_ID = `SELECT ${INTENT_COLUMNS} FROM order_intents WHERE client_order_id = $1`;
export const INTENT_UNFINISHED = `SELECT ${INTENT_COLUMNS} FROM order_intents
  WHERE state IN ('pending', 'in_flight') ORDER BY created_at, idempotency_key ${C}`;
export const INTENT_LIST = `SELECT ${INTENT_COLUMNS} FROM order_intents
  WHERE ($1::text IS NULL OR state = $1) ORDER BY updated_at DESC, idempotency_key ${C} LIMIT $2`;
export const RECON_INSERT = `INSERT INTO order_reconciliations (at, ok, differences, report) VALUES ($1, $2, $3, $4) RETURNING id`;
export const RECON_LATEST = `SELECT id, at, ok, differences, report FROM order_reconciliations ORDER BY id DESC LIMIT 1`;

const DLQ_COLUMNS =
  'id, idempotency_key, client_order_id, payload, errors, attempts, error_class, reason, status, note, version, replay_until, created_at, updated_at';
const DLQ_ACTIVE = "status IN ('open', 'replaying')";

/** Adds an entry, or appends to the key's active one: one statement, however many processes enqueue at once. */
export const DLQ_ENQUEUE = `INSERT INTO order_dlq AS q
  (idempotency_key, client_order_id, payload, errors, attempts, error_class, reason, status, created_at, updated_at)
  VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, 'open', $8, $8)
  ON CONFLICT (idempotency_key) WHERE ${DLQ_ACTIVE} DO UPDATE SET errors = q.errors || excluded.errors,
    attempts = q.attempts + excluded.attempts, error_class = excluded.error_class, reason = excluded.reason,
    updated_at = excluded.updated_at
  RETURNING id`;
export const DLQ_GET = `SELECT ${DLQ_COLUMNS} FROM order_dlq WHERE id = $1`;
export const DLQ_OPEN_FOR = `SELECT ${DLQ_COLUMNS} FROM order_dlq WHERE idempotency_key = $1 AND ${DLQ_ACTIVE}`;
export const DLQ_LIST = `SELECT ${DLQ_COLUMNS} FROM order_dlq
  WHERE ($1::text IS NULL OR status = $1) ORDER BY id DESC LIMIT $2`;
export const DLQ_COUNT_OPEN = `SELECT count(*) AS n FROM order_dlq WHERE ${DLQ_ACTIVE}`;
export const DLQ_CLAIM_REPLAY = `UPDATE order_dlq
  SET status = 'replaying', replay_owner = $1, replay_until = $2, version = version + 1, updated_at = $3
  WHERE id = $4 AND (status = 'open' OR (status = 'replaying' AND replay_until <= $3))`;
export const DLQ_FINISH_REPLAY = `UPDATE order_dlq
  SET status = $1, note = coalesce($2, note), replay_owner = NULL, replay_until = 0, version = version + 1, updated_at = $3
  WHERE id = $4 AND status = 'replaying' AND replay_owner = $5 RETURNING id`;
export const DLQ_RESOLVE = `UPDATE order_dlq SET status = 'resolved', note = $1, version = version + 1, updated_at = $2
  WHERE id = $3 AND status = 'open'`;
export const DLQ_CLOSE_PLACED = `UPDATE order_dlq SET status = 'placed', note = $1, version = version + 1, updated_at = $2
  WHERE idempotency_key = $3 AND status = 'open' RETURNING id`;
export const DLQ_ADD_ERROR = `UPDATE order_dlq SET errors = errors || jsonb_build_array($1::jsonb), updated_at = $2
  WHERE id = $3`;
export const DLQ_EPISODE_END = `UPDATE order_dlq_episodes SET ended_at = $1
  WHERE ended_at IS NULL AND threshold >= (SELECT count(*) FROM order_dlq WHERE ${DLQ_ACTIVE})`;
export const DLQ_EPISODE_ACTIVE = `SELECT id FROM order_dlq_episodes WHERE threshold = $1 AND ended_at IS NULL
  ORDER BY id DESC LIMIT 1`;
export const DLQ_EPISODE_START = `INSERT INTO order_dlq_episodes (threshold, started_at) VALUES ($1, $2) RETURNING id`;
