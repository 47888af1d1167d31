-- Each bot's degradation mode, written by the bot on every transition and on a refresh.
-- (epoch, seq) is the per-bot version: a new writer takes epoch + 1, a write needs the current
-- epoch and a higher seq. recorded_at is the store's clock, for the staleness shown to operators.
CREATE TABLE bot_modes (
  bot TEXT PRIMARY KEY,
  mode TEXT NOT NULL CHECK (mode IN ('FULL', 'REDUCE_ONLY', 'OBSERVATION', 'SHUTDOWN')),
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  since INTEGER NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL
);
