-- The decision log's head per log and host (so it travels off the host), and which processes
-- use the store (fleet membership: host, pid, role, first and last seen by the store's clock).
CREATE TABLE decision_heads (
  log TEXT NOT NULL,
  host TEXT NOT NULL,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (log, host)
);

CREATE TABLE fleet_members (
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  role TEXT NOT NULL,
  info TEXT NOT NULL DEFAULT '{}',
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  PRIMARY KEY (host, pid, role)
);
