// One named constant per statement of the PostgreSQL store. Tables are unqualified: each
// connection's search_path is the store's schema. Named queries are prepared once per connection.

/** The server's clock now (ms): `clock_timestamp()`, not `now()` (frozen at transaction start). */
const SERVER_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';
/** The statement's time (ms): `now()` is one value for the whole statement, so two columns stamped with it agree. */
const STATEMENT_MS = '(extract(epoch FROM now()) * 1000)::bigint';
/** Byte order, as SQLite sorts: listings do not depend on the server's collation. */
const C = 'COLLATE "C"';

export const LOCK = 'SELECT name FROM locks WHERE name = $1 FOR UPDATE';

export const KILL_INSERT = `INSERT INTO kill_switch_events (action, at, reason, "by", source, host, pid, flatten, clears)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`;
export const KILL_LATEST = 'SELECT * FROM kill_switch_events ORDER BY id DESC LIMIT 1';
export const KILL_SINCE = 'SELECT * FROM kill_switch_events WHERE id > $1 ORDER BY id LIMIT 20';
export const KILL_HISTORY = 'SELECT * FROM kill_switch_events ORDER BY id DESC LIMIT $1';
export const KILL_PROBE = `INSERT INTO kill_switch_write_probe (id, at) VALUES (1, $1)
  ON CONFLICT (id) DO UPDATE SET at = excluded.at`;

/**
 * One statement per heartbeat (the fleet writes thousands a second): the received time is the
 * server's clock; the last ok beat and its received time carry over unless this beat is ok ($8).
 */
export const BEAT_RECORD = {
  name: 'warden_beat_record',
  text: `INSERT INTO heartbeats AS h
    (name, at, kind, status, last_ok_at, started_at, exit_code, extra, received_at, last_ok_received_at)
    VALUES ($1, $2, $3, $4, CASE WHEN $8::boolean THEN $2::bigint END, $5, $6, $7::jsonb, ${STATEMENT_MS},
      CASE WHEN $8::boolean THEN ${STATEMENT_MS} END)
    ON CONFLICT (name) DO UPDATE SET at = excluded.at, kind = excluded.kind, status = excluded.status,
      last_ok_at = coalesce(excluded.last_ok_at, h.last_ok_at), started_at = excluded.started_at,
      exit_code = excluded.exit_code, extra = excluded.extra, received_at = excluded.received_at,
      last_ok_received_at = coalesce(excluded.last_ok_received_at, h.last_ok_received_at)
    RETURNING *`,
} as const;
/**
 * Several heartbeats in one statement (one round trip, one commit): the beats queued while the
 * previous heartbeat statement was in flight, one row per name, each already folded to what its
 * beats leave behind ($5: the newest ok beat's time, or null; $9: whether any was ok).
 */
export const BEAT_RECORD_MANY = {
  name: 'warden_beat_record_many',
  text: `INSERT INTO heartbeats AS h
    (name, at, kind, status, last_ok_at, started_at, exit_code, extra, received_at, last_ok_received_at)
    SELECT b.name, b.at, b.kind, b.status, b.last_ok_at, b.started_at, b.exit_code, b.extra, ${STATEMENT_MS},
      CASE WHEN b.ok THEN ${STATEMENT_MS} END
    FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::integer[],
      $8::jsonb[], $9::boolean[]) AS b(name, at, kind, status, last_ok_at, started_at, exit_code, extra, ok)
    ON CONFLICT (name) DO UPDATE SET at = excluded.at, kind = excluded.kind, status = excluded.status,
      last_ok_at = coalesce(excluded.last_ok_at, h.last_ok_at), started_at = excluded.started_at,
      exit_code = excluded.exit_code, extra = excluded.extra, received_at = excluded.received_at,
      last_ok_received_at = coalesce(excluded.last_ok_received_at, h.last_ok_received_at)
    RETURNING *`,
} as const;
export const BEAT_GET = 'SELECT * FROM heartbeats WHERE name = $1';
export const BEAT_LIST = `SELECT * FROM heartbeats ORDER BY name ${C}`;

export const INCIDENT_OPEN = `INSERT INTO incidents (key, opened_at, kind, detail) VALUES ($1, $2, $3, $4)
  ON CONFLICT (key) DO NOTHING RETURNING key`;
/** Closes an incident and announces it in one statement (one round trip; nothing is sent when none was open). */
export const INCIDENT_CLOSE = `WITH d AS (DELETE FROM incidents WHERE key = $1 RETURNING *)
  SELECT d.*, pg_notify($2, $3) FROM d`;
export const INCIDENT_LIST = `SELECT * FROM incidents ORDER BY opened_at, key ${C}`;

export const ALERT_INSERT = `INSERT INTO alert_outbox
  (channel, dedupe_key, severity, title, body, created_at, status, attempts, next_attempt_at)
  VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $6)
  ON CONFLICT (channel, dedupe_key) DO NOTHING RETURNING *`;
/**
 * Claims due alerts: rows another transaction is claiming are skipped (SKIP LOCKED), and the
 * claimed ones are leased in the same statement, so each alert goes to one sender however many
 * daemons run. Answers the rows as they were before the lease.
 */
export const ALERT_CLAIM = `WITH due AS (
    SELECT * FROM alert_outbox WHERE status = 'pending' AND next_attempt_at <= $1
    ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
  )
  UPDATE alert_outbox a SET next_attempt_at = $1::bigint + $3::bigint FROM due WHERE a.id = due.id
  RETURNING due.*`;
export const ALERT_SENT = `UPDATE alert_outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1 WHERE id = $2`;
export const ALERT_FAILED = `UPDATE alert_outbox SET status = $1, last_error = $2, next_attempt_at = $3,
  attempts = attempts + 1 WHERE id = $4`;
export const ALERT_COUNT_SENT_SINCE = `SELECT count(*) AS n FROM alert_outbox
  WHERE channel = $1 AND status = 'sent' AND sent_at >= $2`;
export const ALERT_LIST = `SELECT * FROM alert_outbox WHERE ($1::text IS NULL OR status = $1)
  ORDER BY id DESC LIMIT $2`;

export const KV_GET = 'SELECT value FROM kv WHERE key = $1';
export const KV_SET = `INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`;
export const KV_GET_MANY = {
  name: 'warden_kv_get_many',
  text: 'SELECT key, value FROM kv WHERE key = ANY($1::text[])',
};
/**
 * Compare-and-set of many keys in one statement: an entry expecting null is inserted unless the
 * key exists (ON CONFLICT waits for a racing insert and then does nothing), one expecting a value
 * updates only the row that holds it (a racing update is re-checked on the row's newest version).
 * Each key comes back with whether it was written and, if not, the value it held in the
 * statement's snapshot (`held`; the caller reads again when that snapshot may predate a racer).
 */
export const KV_SWAP = {
  name: 'warden_kv_swap',
  text: `WITH s AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS s(key, expected, value)),
    ins AS (INSERT INTO kv (key, value) SELECT key, value FROM s WHERE expected IS NULL
      ON CONFLICT (key) DO NOTHING RETURNING key),
    upd AS (UPDATE kv SET value = s.value FROM s WHERE kv.key = s.key AND s.expected IS NOT NULL
      AND kv.value = s.expected RETURNING kv.key),
    w AS (SELECT key FROM ins UNION ALL SELECT key FROM upd)
    SELECT s.key, w.key IS NOT NULL AS written, held.value AS held
    FROM s LEFT JOIN w ON w.key = s.key LEFT JOIN kv held ON held.key = s.key`,
};

export const HEAD_RECORD = `INSERT INTO decision_heads AS d (log, host, seq, hash, at) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (log, host) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at
  WHERE excluded.seq > d.seq RETURNING seq`;
export const HEAD_GET = 'SELECT log, host, seq, hash, at FROM decision_heads WHERE log = $1 AND host = $2';
export const HEAD_LIST = `SELECT log, host, seq, hash, at FROM decision_heads WHERE ($1::text IS NULL OR log = $1)
  ORDER BY log ${C}, host ${C}`;

export const FLEET_TOUCH = `INSERT INTO fleet_members AS f (host, pid, role, info, first_seen_at, last_seen_at)
  VALUES ($1, $2, $3, $4::jsonb, ${STATEMENT_MS}, ${STATEMENT_MS})
  ON CONFLICT (host, pid, role) DO UPDATE SET info = excluded.info, last_seen_at = excluded.last_seen_at
  RETURNING *`;
export const FLEET_LIST = `SELECT * FROM fleet_members ORDER BY host ${C}, role ${C}, pid`;
export const FLEET_REMOVE = 'DELETE FROM fleet_members WHERE host = $1 AND pid = $2 AND role = $3';

export const NOW = `SELECT ${SERVER_MS} AS t`;

export const MODE_CLAIM = `INSERT INTO bot_modes AS m
  (bot, mode, reason, detail, since, host, pid, epoch, seq, recorded_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, ${STATEMENT_MS})
  ON CONFLICT (bot) DO UPDATE SET mode = excluded.mode, reason = excluded.reason, detail = excluded.detail,
    since = excluded.since, host = excluded.host, pid = excluded.pid, epoch = m.epoch + 1,
    seq = excluded.seq, recorded_at = excluded.recorded_at
  RETURNING *`;
export const MODE_RECORD = `UPDATE bot_modes SET mode = $2, reason = $3, detail = $4, since = $5, host = $6, pid = $7,
    seq = $8, recorded_at = ${STATEMENT_MS}
  WHERE bot = $1 AND epoch = $9 AND seq < $8
  RETURNING *`;
export const MODE_GET = 'SELECT * FROM bot_modes WHERE bot = $1';
export const MODE_LIST = `SELECT * FROM bot_modes ORDER BY bot ${C}`;
