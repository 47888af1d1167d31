-- Orders: the send time of each intent's latest attempt, and compare-and-set DLQ transitions.
--
-- sent_at: when the latest createOrder of the intent was sent (ms since epoch, the request's own
-- `timestamp`). A lookup that answers "absent" confirms nothing until sent_at + the venue's
-- receive window + a clock margin has passed (docs/orders.md). Unfinished rows written before
-- this migration get their last update time: later than any send, so the wait is never shorter.
ALTER TABLE order_intents ADD COLUMN sent_at INTEGER;
UPDATE order_intents SET sent_at = updated_at WHERE state IN ('pending', 'in_flight');

-- The DLQ gets a version (bumped by every status change), a replay claim (owner + lease) and
-- two statuses: `replaying` (a replay holds the entry; resolve is refused) and `placed` (a later
-- submit or reconciliation confirmed the order exists). SQLite cannot alter a CHECK, so the
-- table is rebuilt.
CREATE TABLE order_dlq_v3 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL,
  client_order_id TEXT,
  payload TEXT NOT NULL,
  errors TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  error_class TEXT NOT NULL,
  reason TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'replaying', 'replayed', 'placed', 'resolved')),
  note TEXT,
  version INTEGER NOT NULL DEFAULT 0,
  replay_owner TEXT,
  replay_until INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
INSERT INTO order_dlq_v3
  (id, idempotency_key, client_order_id, payload, errors, attempts, error_class, reason, status, note, created_at, updated_at)
  SELECT id, idempotency_key, client_order_id, payload, errors, attempts, error_class, reason, status, note, created_at, updated_at
  FROM order_dlq;
DROP TABLE order_dlq;
ALTER TABLE order_dlq_v3 RENAME TO order_dlq;
-- At most one active (open or replaying) entry per key: a second failure of the same intent adds to it.
CREATE UNIQUE INDEX order_dlq_active_key ON order_dlq (idempotency_key) WHERE status IN ('open', 'replaying');
CREATE INDEX order_dlq_status ON order_dlq (status, id);

-- DLQ growth episodes: one alert per episode. An episode starts when the active entries exceed
-- its threshold and ends when they drop back to it (checked in the transaction of every change).
CREATE TABLE order_dlq_episodes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  threshold INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER
);
CREATE INDEX order_dlq_episodes_active ON order_dlq_episodes (threshold) WHERE ended_at IS NULL;
