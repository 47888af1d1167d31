-- Heartbeats keep the time the store received them (the store's clock), besides the time the
-- writer stamped on them: lateness is judged on the received time, so a writer whose clock is
-- fast cannot make a dead process look alive. Rows from before take the earlier of their stamp
-- and now (a stamp in the future must not make them look fresh).
ALTER TABLE heartbeats ADD COLUMN received_at INTEGER;
ALTER TABLE heartbeats ADD COLUMN last_ok_received_at INTEGER;
UPDATE heartbeats SET
  received_at = MIN(at, CAST(unixepoch('subsec') * 1000 AS INTEGER)),
  last_ok_received_at = CASE WHEN last_ok_at IS NULL THEN NULL
    ELSE MIN(last_ok_at, CAST(unixepoch('subsec') * 1000 AS INTEGER)) END;
