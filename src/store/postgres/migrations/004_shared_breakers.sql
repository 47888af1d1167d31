-- Dependency breakers shared per exchange account (opt-in): open / closed with a version, and
-- the one process allowed to probe while half-open, until its claim expires.
CREATE TABLE shared_breakers (
  account text NOT NULL,
  breaker text NOT NULL,
  version bigint NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'closed')),
  "until" bigint NOT NULL,
  "by" text NOT NULL,
  at bigint NOT NULL,
  prober text,
  probe_until bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (account, breaker)
);
