-- Core tables: kill switch history, heartbeats, watchdog incidents, alert outbox, key/value.
CREATE TABLE kill_switch_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  action TEXT NOT NULL CHECK (action IN ('trip', 'resume')),
  at INTEGER NOT NULL,
  reason TEXT NOT NULL,
  by TEXT NOT NULL,
  source TEXT NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  flatten INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE heartbeats (
  name TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('beat', 'start', 'fail')),
  status TEXT NOT NULL,
  last_ok_at INTEGER,
  started_at INTEGER,
  exit_code INTEGER,
  extra TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE incidents (
  key TEXT PRIMARY KEY,
  opened_at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL
);

CREATE TABLE alert_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,
  dedupe_key TEXT,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  sent_at INTEGER,
  UNIQUE (channel, dedupe_key)
);
CREATE INDEX alert_outbox_due ON alert_outbox (status, next_attempt_at);
CREATE INDEX alert_outbox_sent ON alert_outbox (channel, sent_at);

CREATE TABLE kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
