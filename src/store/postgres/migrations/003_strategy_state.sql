-- The strategy breaker's state in the store (used in fleet mode; the SQLite default keeps the
-- state file): one versioned seed-format document per state key, and its audit rows.
CREATE TABLE strategy_state (
  name text PRIMARY KEY,
  version bigint NOT NULL,
  doc text NOT NULL,
  updated_at bigint NOT NULL,
  updated_by text NOT NULL
);

CREATE TABLE strategy_state_events (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  version bigint NOT NULL,
  action text NOT NULL CHECK (action IN ('evaluate', 'block', 'unblock')),
  key text,
  reason text NOT NULL,
  "by" text NOT NULL,
  at bigint NOT NULL
);
CREATE INDEX strategy_state_events_by_version ON strategy_state_events (name, version);
