import { PidLock } from '../../util/pid-lock.js';

class Held extends Error {}

/**
 * Takes the incremental cursor's lock file (`<cursor>.lock`, the shared pid lock of
 * util/pid-lock.ts), so two evaluations at once (the daemon's schedule and a manual
 * `warden evaluate`) never write the same cursor. A lock whose process is gone is taken
 * over. Returns a release function, or null when another live process holds the lock (that run
 * then reads the whole log and leaves the cursor alone).
 */
export function lockCursor(cursorPath: string): (() => void) | null {
  try {
    const lock = PidLock.acquire(`${cursorPath}.lock`, () => new Held());
    return () => lock.release();
  } catch {
    return null; // held by a live process, or the lock cannot be made (read-only dir): no cursor
  }
}
