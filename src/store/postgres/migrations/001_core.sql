-- Warden's store on PostgreSQL: every table lives in the installation's own schema (the
-- connection's search_path), so several installations can share one server. Times are ms since
-- the epoch (bigint), as in the SQLite store; JSON documents are jsonb, payloads whose bytes are
-- hashed stay text.

-- Named one-row locks: a writer that must see the newest state before it writes takes its row
-- FOR UPDATE first (the kill switch's compare-and-set, the DLQ growth episodes).
CREATE TABLE locks (
  name text PRIMARY KEY
);
INSERT INTO locks (name) VALUES ('kill_switch'), ('dlq_growth');

CREATE TABLE kill_switch_events (
  id bigserial PRIMARY KEY,
  action text NOT NULL CHECK (action IN ('trip', 'resume')),
  at bigint NOT NULL,
  reason text NOT NULL,
  "by" text NOT NULL,
  source text NOT NULL,
  host text NOT NULL,
  pid integer NOT NULL,
  flatten boolean NOT NULL DEFAULT false,
  clears bigint
);

CREATE TABLE kill_switch_write_probe (
  id integer PRIMARY KEY CHECK (id = 1),
  at bigint NOT NULL
);

CREATE TABLE heartbeats (
  name text PRIMARY KEY,
  at bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('beat', 'start', 'fail')),
  status text NOT NULL,
  last_ok_at bigint,
  started_at bigint,
  exit_code integer,
  extra jsonb NOT NULL DEFAULT '{}',
  received_at bigint NOT NULL,
  last_ok_received_at bigint
);

CREATE TABLE incidents (
  key text PRIMARY KEY,
  opened_at bigint NOT NULL,
  kind text NOT NULL,
  detail text NOT NULL
);

CREATE TABLE alert_outbox (
  id bigserial PRIMARY KEY,
  channel text NOT NULL,
  dedupe_key text,
  severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  title text NOT NULL,
  body text NOT NULL,
  created_at bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  last_error text,
  sent_at bigint,
  UNIQUE (channel, dedupe_key)
);
CREATE INDEX alert_outbox_due ON alert_outbox (status, next_attempt_at);
CREATE INDEX alert_outbox_sent ON alert_outbox (channel, sent_at);

CREATE TABLE kv (
  key text PRIMARY KEY,
  value text NOT NULL
);

-- One row per idempotency key, written (state 'pending') before anything is sent.
CREATE TABLE order_intents (
  idempotency_key text PRIMARY KEY,
  payload_hash text NOT NULL,
  payload text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'in_flight', 'placed', 'rejected', 'dead', 'denied')),
  client_order_id text NOT NULL UNIQUE,
  exchange_order_id text,
  result text,
  reason text,
  attempts integer NOT NULL DEFAULT 0,
  owner text,
  lease_until bigint NOT NULL DEFAULT 0,
  sent_at bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX order_intents_unfinished ON order_intents (state) WHERE state IN ('pending', 'in_flight');

CREATE TABLE order_reconciliations (
  id bigserial PRIMARY KEY,
  at bigint NOT NULL,
  ok boolean NOT NULL,
  differences integer NOT NULL,
  report text NOT NULL
);

CREATE TABLE order_dlq (
  id bigserial PRIMARY KEY,
  idempotency_key text NOT NULL,
  client_order_id text,
  payload text NOT NULL,
  errors jsonb NOT NULL,
  attempts integer NOT NULL,
  error_class text NOT NULL,
  reason text NOT NULL,
  status text NOT NULL CHECK (status IN ('open', 'replaying', 'replayed', 'placed', 'resolved')),
  note text,
  version integer NOT NULL DEFAULT 0,
  replay_owner text,
  replay_until bigint NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
-- At most one active (open or replaying) entry per key: a second failure of the same intent adds to it.
CREATE UNIQUE INDEX order_dlq_active_key ON order_dlq (idempotency_key) WHERE status IN ('open', 'replaying');
CREATE INDEX order_dlq_status ON order_dlq (status, id);

CREATE TABLE order_dlq_episodes (
  id bigserial PRIMARY KEY,
  threshold integer NOT NULL,
  started_at bigint NOT NULL,
  ended_at bigint
);
CREATE INDEX order_dlq_episodes_active ON order_dlq_episodes (threshold) WHERE ended_at IS NULL;

CREATE TABLE decision_heads (
  log text NOT NULL,
  host text NOT NULL,
  seq bigint NOT NULL,
  hash text NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (log, host)
);

CREATE TABLE fleet_members (
  host text NOT NULL,
  pid integer NOT NULL,
  role text NOT NULL,
  info jsonb NOT NULL DEFAULT '{}',
  first_seen_at bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  PRIMARY KEY (host, pid, role)
);
