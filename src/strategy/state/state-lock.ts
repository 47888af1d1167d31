import { PidLock } from '../../util/pid-lock.js';
import { StateLockError } from './state-lock-error.js';

/** Default wait for the state lock: the holders keep it for a read or a write, never a scan. */
export const DEFAULT_STATE_LOCK_WAIT_MS = 10_000;

const nap = new Int32Array(new SharedArrayBuffer(4));

class Held extends Error {
  constructor(readonly pid: number | null) {
    super('held');
  }
}

/**
 * Takes the state file's lock (`<state>.lock`, the shared pid lock of util/pid-lock.ts), waiting
 * up to `waitMs` for another holder. Every writer of the state takes it: the evaluation while it
 * reads its inputs and while it writes, `warden strategy block|unblock` around its append and
 * write. A lock whose process is gone is taken over. Returns the release function; throws
 * StateLockError when a live process holds it past the wait.
 */
export function lockState(statePath: string, waitMs = DEFAULT_STATE_LOCK_WAIT_MS): () => void {
  const path = `${statePath}.lock`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const lock = PidLock.acquire(path, (_p, owner) => new Held(owner?.pid ?? null));
      return () => lock.release();
    } catch (err) {
      if (!(err instanceof Held)) throw err;
      if (Date.now() >= deadline)
        throw new StateLockError(
          `${path}: the strategy state is locked by process ${err.pid ?? '?'} (waited ${waitMs} ms); retry, or remove the lock file if no warden runs`,
        );
    }
    Atomics.wait(nap, 0, 0, 5);
  }
}
