-- Dependency breakers shared per exchange account (opt-in): open / closed with a version, and
-- the one process allowed to probe while half-open, until its claim expires.
CREATE TABLE shared_breakers (
  account TEXT NOT NULL,
  breaker TEXT NOT NULL,
  version INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
  until INTEGER NOT NULL,
  by TEXT NOT NULL,
  at INTEGER NOT NULL,
  prober TEXT,
  probe_until INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account, breaker)
);
