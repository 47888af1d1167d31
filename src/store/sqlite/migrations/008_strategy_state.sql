-- The strategy breaker's state in the store (used in fleet mode; the SQLite default keeps the
-- state file): one versioned seed-format document per state key, and its audit rows.
CREATE TABLE strategy_state (
  name TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  doc TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL
);

CREATE TABLE strategy_state_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('evaluate', 'block', 'unblock')),
  key TEXT,
  reason TEXT NOT NULL,
  by TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX strategy_state_events_by_version ON strategy_state_events (name, version);
