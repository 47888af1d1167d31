-- Compare-and-set for the kill switch: a resume names the event it clears (item 7 of issue 8),
-- so the history shows which halt each resume saw. Null for trips and for older rows.
ALTER TABLE kill_switch_events ADD COLUMN clears INTEGER;

-- A row the kill switch writes (and rolls forward) to prove the store still takes writes.
CREATE TABLE kill_switch_write_probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  at INTEGER NOT NULL
);
