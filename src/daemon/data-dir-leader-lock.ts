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
  /** Why this process leads without the lock file, when it does. */
  #degraded: string | null = null;

  constructor(dataDir: string) {
    this.path = join(dataDir, DAEMON_LOCK_FILE);
    this.describe = `pid lock ${this.path}`;
  }

  /**
   * Takes the lock file. A lock file that cannot be written at all (full disk, read-only or
   * missing data dir) leads anyway, degraded: two watchdogs are better than none, and their
   * incidents are recorded once by compare-and-set.
   */
  tryAcquire(): Promise<LeadAttempt> {
    if (this.#lock !== null && this.#lock.check() === null) return Promise.resolve({ held: true });
    try {
      this.#lock = PidLock.acquire(this.path, (_p, owner) => new Held(owner));
      this.#degraded = null;
      return Promise.resolve({ held: true });
    } catch (err) {
      if (err instanceof Held) return Promise.resolve({ held: false, holder: describeLockOwner(err.owner) });
      this.#lock = null;
      this.#degraded = `cannot write ${this.path} (${(err as Error).message}): leading without the lock; a second daemon on this data dir may run the watchdog too`;
      return Promise.resolve({ held: true, degraded: this.#degraded });
    }
  }

  /** Null while held; leading degraded, null until another daemon holds the file (the next attempt takes it when it can). */
  async check(): Promise<string | null> {
    if (this.#lock !== null) return this.#lock.check();
    if (this.#degraded === null) return 'not acquired';
    const a = await this.tryAcquire();
    return a.held ? null : `another daemon holds ${this.path} now (${a.holder})`;
  }

  release(): Promise<void> {
    this.#lock?.release();
    this.#lock = null;
    return Promise.resolve();
  }
}
