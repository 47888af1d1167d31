-- Each bot's degradation mode, written by the bot on every transition and on a refresh.
-- (epoch, seq) is the per-bot version: a new writer takes epoch + 1, a write needs the current
-- epoch and a higher seq. recorded_at is the server's clock, for the staleness shown to operators.
CREATE TABLE bot_modes (
  bot text PRIMARY KEY,
  mode text NOT NULL CHECK (mode IN ('FULL', 'REDUCE_ONLY', 'OBSERVATION', 'SHUTDOWN')),
  reason text NOT NULL,
  detail text NOT NULL,
  since bigint NOT NULL,
  host text NOT NULL,
  pid integer NOT NULL,
  epoch bigint NOT NULL,
  seq bigint NOT NULL,
  recorded_at bigint NOT NULL
);
