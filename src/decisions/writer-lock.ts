import { join } from 'node:path';
import {
  PidLock,
  describeLockOwner,
  liveLockOwner as liveOwnerOf,
  type LockOwner,
} from '../util/pid-lock.js';
import { DecisionLogLockedError } from './decision-log-locked-error.js';

// The single-writer lock of a log directory: `decisions.lock`, the shared pid lock
// (util/pid-lock.ts): a lock of a live process, of another host, or an unreadable one is
// respected (a second writer would fork the chain); a stale one is taken over.

const LOCK_NAME = 'decisions.lock';

/** The exclusive right to append to one log directory. */
export type WriterLock = PidLock;

/** Takes the lock of the log directory `dir`; throws `DecisionLogLockedError` when a live owner holds it. */
export function acquireWriterLock(dir: string): WriterLock {
  return PidLock.acquire(
    join(dir, LOCK_NAME),
    (path, owner) => new DecisionLogLockedError(path, describeLockOwner(owner)),
  );
}

/** The owner of the lock of `dir` if it is a live process on this host, else null (no lock, stale, foreign). */
export function liveLockOwner(dir: string): LockOwner | null {
  return liveOwnerOf(join(dir, LOCK_NAME));
}
