import { join } from 'node:path';
import { PidLock, describeLockOwner, type LockOwner } from '../util/pid-lock.js';
import type { LeadAttempt, LeaderLock } from './leadership.js';

/** The lock file that elects the leader among the daemons of one data dir (SQLite). */
export const DAEMON_LOCK_FILE = 'daemon.lock';

class Held extends Error {
  constructor(readonly owner: LockOwner | null) {
    super('held');
  }
}

/**
 * The leader lock of one host and one SQLite store: the shared pid lock file
 * (`util/pid-lock.ts`) `daemon.lock` in the data dir. A daemon that dies (even by SIGKILL)
 * leaves a stale lock, which the standby's next attempt takes over.
 */
export class DataDirLeaderLock implements LeaderLock {
  readonly path: string;
  readonly describe: string;
  #lock: PidLock | null = null;

  constructor(dataDir: string) {
    this.path = join(dataDir, DAEMON_LOCK_FILE);
    this.describe = `pid lock ${this.path}`;
  }

  tryAcquire(): Promise<LeadAttempt> {
    if (this.#lock !== null && this.#lock.check() === null) return Promise.resolve({ held: true });
    try {
      this.#lock = PidLock.acquire(this.path, (_p, owner) => new Held(owner));
      return Promise.resolve({ held: true });
    } catch (err) {
      if (err instanceof Held) return Promise.resolve({ held: false, holder: describeLockOwner(err.owner) });
      return Promise.reject(err as Error);
    }
  }

  check(): Promise<string | null> {
    return Promise.resolve(this.#lock === null ? 'not acquired' : this.#lock.check());
  }

  release(): Promise<void> {
    this.#lock?.release();
    this.#lock = null;
    return Promise.resolve();
  }
}
