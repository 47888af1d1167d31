// SQL of the SQLite order store and DLQ store: one named constant per statement.

const INTENT_COLUMNS =
  'idempotency_key, payload_hash, payload, state, client_order_id, exchange_order_id, result, reason, attempts, owner, lease_until, sent_at, created_at, updated_at';

export const INTENT_INSERT_PENDING = `INSERT INTO order_intents
  (idempotency_key, payload_hash, payload, state, client_order_id, attempts, owner, lease_until, sent_at, created_at, updated_at)
  VALUES (?, ?, ?, 'pending', ?, 1, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`;
export const INTENT_RECLAIM_DENIED = `UPDATE order_intents
  SET state = 'pending', attempts = 1, reason = NULL, owner = ?, lease_until = ?, sent_at = ?, updated_at = ?
  WHERE idempotency_key = ? AND state = 'denied' AND payload_hash = ?`;
export const INTENT_INSERT_DENIED = `INSERT INTO order_intents
  (idempotency_key, payload_hash, payload, state, client_order_id, reason, created_at, updated_at)
  VALUES (?, ?, ?, 'denied', ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING`;
export const INTENT_UPDATE_DENIED = `UPDATE order_intents SET reason = ?, updated_at = ?
  WHERE idempotency_key = ? AND state = 'denied' AND payload_hash = ?`;
export const INTENT_TAKE_OVER = `UPDATE order_intents
  SET state = 'in_flight', owner = ?, lease_until = ?, updated_at = ?
  WHERE idempotency_key = ? AND state = ? AND owner IS ? AND lease_until = ?`;
export const INTENT_ATTEMPT = `UPDATE order_intents
  SET state = CASE WHEN attempts >= 1 THEN 'in_flight' ELSE state END,
      attempts = attempts + 1, lease_until = ?, sent_at = ?, updated_at = ?
  WHERE idempotency_key = ? AND owner = ? AND state IN ('pending', 'in_flight')`;
export const INTENT_RENEW = `UPDATE order_intents SET lease_until = ?, updated_at = ?
  WHERE idempotency_key = ? AND owner = ? AND state IN ('pending', 'in_flight')`;
export const INTENT_FINISH = `UPDATE order_intents
  SET state = ?, exchange_order_id = ?, result = ?, reason = ?, owner = NULL, lease_until = 0, updated_at = ?
  WHERE idempotency_key = ? AND state IN ('pending', 'in_flight')`;
export const INTENT_RELEASE = `UPDATE order_intents SET lease_until = ?, updated_at = ?
  WHERE idempotency_key = ? AND owner = ? AND state IN ('pending', 'in_flight')`;
export const INTENT_GET = `SELECT ${INTENT_COLUMNS} FROM order_intents WHERE idempotency_key = ?`;
export const INTENT_BY_CLIENT_ID = `SELECT ${INTENT_COLUMNS} FROM order_intents WHERE client_order_id = ?`;
export const INTENT_UNFINISHED = `SELECT ${INTENT_COLUMNS} FROM order_intents
  WHERE state IN ('pending', 'in_flight') ORDER BY created_at, idempotency_key`;
export const INTENT_LIST = `SELECT ${INTENT_COLUMNS} FROM order_intents
  WHERE (@state IS NULL OR state = @state) ORDER BY updated_at DESC, idempotency_key LIMIT @limit`;
export const RECON_INSERT = `INSERT INTO order_reconciliations (at, ok, differences, report) VALUES (?, ?, ?, ?)`;
export const RECON_LATEST = `SELECT id, at, ok, differences, report FROM order_reconciliations ORDER BY id DESC LIMIT 1`;

const DLQ_COLUMNS =
  'id, idempotency_key, client_order_id, payload, errors, attempts, error_class, reason, status, note, version, replay_until, created_at, updated_at';
/** The entries that count as open: waiting for a person, or held by a replay. */
const DLQ_ACTIVE = "status IN ('open', 'replaying')";

export const DLQ_INSERT = `INSERT INTO order_dlq
  (idempotency_key, client_order_id, payload, errors, attempts, error_class, reason, status, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`;
export const DLQ_APPEND = `UPDATE order_dlq
  SET errors = ?, attempts = attempts + ?, error_class = ?, reason = ?, updated_at = ? WHERE id = ?`;
export const DLQ_GET = `SELECT ${DLQ_COLUMNS} FROM order_dlq WHERE id = ?`;
export const DLQ_OPEN_FOR = `SELECT ${DLQ_COLUMNS} FROM order_dlq WHERE idempotency_key = ? AND ${DLQ_ACTIVE}`;
export const DLQ_LIST = `SELECT ${DLQ_COLUMNS} FROM order_dlq
  WHERE (@status IS NULL OR status = @status) ORDER BY id DESC LIMIT @limit`;
export const DLQ_COUNT_OPEN = `SELECT count(*) AS n FROM order_dlq WHERE ${DLQ_ACTIVE}`;
/** open → replaying (or a replaying entry whose replay lease lapsed: its replayer died). */
export const DLQ_CLAIM_REPLAY = `UPDATE order_dlq
  SET status = 'replaying', replay_owner = ?, replay_until = ?, version = version + 1, updated_at = ?
  WHERE id = ? AND (status = 'open' OR (status = 'replaying' AND replay_until <= ?))`;
/** replaying (still held by this replayer) → replayed or back to open. */
export const DLQ_FINISH_REPLAY = `UPDATE order_dlq
  SET status = ?, note = coalesce(?, note), replay_owner = NULL, replay_until = 0, version = version + 1, updated_at = ?
  WHERE id = ? AND status = 'replaying' AND replay_owner = ?`;
/** open → resolved, by a person, with a note. */
export const DLQ_RESOLVE = `UPDATE order_dlq SET status = 'resolved', note = ?, version = version + 1, updated_at = ?
  WHERE id = ? AND status = 'open'`;
/** open → placed: a later submit or reconciliation confirmed the order exists. */
export const DLQ_CLOSE_PLACED = `UPDATE order_dlq SET status = 'placed', note = ?, version = version + 1, updated_at = ?
  WHERE idempotency_key = ? AND status = 'open'`;
export const DLQ_ADD_ERROR = `UPDATE order_dlq
  SET errors = json_insert(errors, '$[#]', json(?)), updated_at = ? WHERE id = ?`;
/** Ends every growth episode whose threshold the open entries no longer exceed. */
export const DLQ_EPISODE_END = `UPDATE order_dlq_episodes SET ended_at = ?
  WHERE ended_at IS NULL AND threshold >= (SELECT count(*) FROM order_dlq WHERE ${DLQ_ACTIVE})`;
export const DLQ_EPISODE_ACTIVE = `SELECT id FROM order_dlq_episodes WHERE threshold = ? AND ended_at IS NULL
  ORDER BY id DESC LIMIT 1`;
export const DLQ_EPISODE_START = `INSERT INTO order_dlq_episodes (threshold, started_at) VALUES (?, ?)`;
