-- Orders: idempotent order intents, the dead-letter queue, reconciliation reports.
-- One row per idempotency key; the row is written (state 'pending') before anything is sent.
CREATE TABLE order_intents (
  idempotency_key TEXT PRIMARY KEY,
  payload_hash TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'placed', 'rejected', 'dead', 'denied')),
  client_order_id TEXT NOT NULL UNIQUE,
  exchange_order_id TEXT,
  result TEXT,
  reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  owner TEXT,
  lease_until INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX order_intents_unfinished ON order_intents (state) WHERE state IN ('pending', 'in_flight');

CREATE TABLE order_dlq (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL,
  client_order_id TEXT,
  payload TEXT NOT NULL,
  errors TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  error_class TEXT NOT NULL,
  reason TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'replayed', 'resolved')),
  note TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
-- At most one open entry per key: a second failure of the same intent adds to it.
CREATE UNIQUE INDEX order_dlq_open_key ON order_dlq (idempotency_key) WHERE status = 'open';
CREATE INDEX order_dlq_status ON order_dlq (status, id);

CREATE TABLE order_reconciliations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  differences INTEGER NOT NULL,
  report TEXT NOT NULL
);
