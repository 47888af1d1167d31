// One named constant per statement of the SQLite store.

export const KILL_INSERT =
  'INSERT INTO kill_switch_events (action, at, reason, by, source, host, pid, flatten, clears) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
export const KILL_SINCE = 'SELECT * FROM kill_switch_events WHERE id > ? ORDER BY id LIMIT 20';
export const KILL_PROBE =
  'INSERT INTO kill_switch_write_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at';
export const KILL_LATEST = 'SELECT * FROM kill_switch_events ORDER BY id DESC LIMIT 1';
export const KILL_HISTORY = 'SELECT * FROM kill_switch_events ORDER BY id DESC LIMIT ?';
export const KILL_BY_ID = 'SELECT * FROM kill_switch_events WHERE id = ?';

export const BEAT_GET = 'SELECT * FROM heartbeats WHERE name = ?';
export const BEAT_LIST = 'SELECT * FROM heartbeats ORDER BY name';
export const BEAT_UPSERT = `INSERT INTO heartbeats
  (name, at, kind, status, last_ok_at, started_at, exit_code, extra, received_at, last_ok_received_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (name) DO UPDATE SET at = excluded.at, kind = excluded.kind, status = excluded.status,
    last_ok_at = excluded.last_ok_at, started_at = excluded.started_at, exit_code = excluded.exit_code,
    extra = excluded.extra, received_at = excluded.received_at,
    last_ok_received_at = excluded.last_ok_received_at`;

export const INCIDENT_OPEN =
  'INSERT OR IGNORE INTO incidents (key, opened_at, kind, detail) VALUES (?, ?, ?, ?)';
export const INCIDENT_GET = 'SELECT * FROM incidents WHERE key = ?';
export const INCIDENT_DELETE = 'DELETE FROM incidents WHERE key = ?';
export const INCIDENT_LIST = 'SELECT * FROM incidents ORDER BY opened_at';

export const ALERT_INSERT = `INSERT OR IGNORE INTO alert_outbox
  (channel, dedupe_key, severity, title, body, created_at, status, attempts, next_attempt_at)
  VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?)`;
export const ALERT_BY_ID = 'SELECT * FROM alert_outbox WHERE id = ?';
export const ALERT_DUE = `SELECT * FROM alert_outbox WHERE status = 'pending' AND next_attempt_at <= ?
  ORDER BY next_attempt_at, id LIMIT ?`;
export const ALERT_LEASE = 'UPDATE alert_outbox SET next_attempt_at = ? WHERE id = ?';
export const ALERT_SENT =
  "UPDATE alert_outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?";
export const ALERT_FAILED = `UPDATE alert_outbox SET status = ?, last_error = ?, next_attempt_at = ?,
  attempts = attempts + 1 WHERE id = ?`;
export const ALERT_COUNT_SENT_SINCE =
  "SELECT COUNT(*) AS n FROM alert_outbox WHERE channel = ? AND status = 'sent' AND sent_at >= ?";
export const ALERT_LIST =
  'SELECT * FROM alert_outbox WHERE (? IS NULL OR status = ?) ORDER BY id DESC LIMIT ?';

export const KV_GET = 'SELECT value FROM kv WHERE key = ?';
export const KV_SET =
  'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value';
/** The keys as one JSON array: one statement however many. */
export const KV_GET_MANY = 'SELECT key, value FROM kv WHERE key IN (SELECT value FROM json_each(?))';
export const KV_INSERT_IF_ABSENT = 'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING';
export const KV_UPDATE_IF = 'UPDATE kv SET value = ? WHERE key = ? AND value = ?';

export const NOW = "SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER) AS t";

export const HEAD_RECORD = `INSERT INTO decision_heads (log, host, seq, hash, at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (log, host) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at
  WHERE excluded.seq > decision_heads.seq`;
export const HEAD_GET = 'SELECT log, host, seq, hash, at FROM decision_heads WHERE log = ? AND host = ?';
export const HEAD_LIST =
  'SELECT log, host, seq, hash, at FROM decision_heads WHERE (? IS NULL OR log = ?) ORDER BY log, host';

export const FLEET_TOUCH = `INSERT INTO fleet_members (host, pid, role, info, first_seen_at, last_seen_at)
  VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (host, pid, role) DO UPDATE SET info = excluded.info, last_seen_at = excluded.last_seen_at
  RETURNING *`;
export const FLEET_LIST = 'SELECT * FROM fleet_members ORDER BY host, role, pid';
export const FLEET_REMOVE = 'DELETE FROM fleet_members WHERE host = ? AND pid = ? AND role = ?';

export const SCHEMA_VERSION = 'SELECT max(version) AS v FROM schema_migrations';

export const MODE_CLAIM = `INSERT INTO bot_modes
  (bot, mode, reason, detail, since, host, pid, epoch, seq, recorded_at)
  VALUES (@bot, @mode, @reason, @detail, @since, @host, @pid, 1, @seq, @recordedAt)
  ON CONFLICT (bot) DO UPDATE SET mode = excluded.mode, reason = excluded.reason, detail = excluded.detail,
    since = excluded.since, host = excluded.host, pid = excluded.pid, epoch = bot_modes.epoch + 1,
    seq = excluded.seq, recorded_at = excluded.recorded_at
  RETURNING *`;
export const MODE_RECORD = `UPDATE bot_modes SET mode = @mode, reason = @reason, detail = @detail, since = @since,
    host = @host, pid = @pid, seq = @seq, recorded_at = @recordedAt
  WHERE bot = @bot AND epoch = @epoch AND seq < @seq
  RETURNING *`;
export const MODE_GET = 'SELECT * FROM bot_modes WHERE bot = ?';
export const MODE_LIST = 'SELECT * FROM bot_modes ORDER BY bot';
