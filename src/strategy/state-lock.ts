import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { StateLockError } from './state-lock-error.js';

/** Default wait for the state lock: the holders keep it for a read or a write, never a scan. */
export const DEFAULT_STATE_LOCK_WAIT_MS = 10_000;

const nap = new Int32Array(new SharedArrayBuffer(4));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the state file's lock (`<state>.lock`, holding the owner's pid), waiting up to
 * `waitMs` for another holder. Every writer of the state takes it: the evaluation while it
 * reads its inputs and while it writes, `warden strategy block|unblock` around its append and
 * write. A lock whose process is gone is taken over. Returns the release function; throws
 * StateLockError when a live process holds it past the wait.
 */
export function lockState(statePath: string, waitMs = DEFAULT_STATE_LOCK_WAIT_MS): () => void {
  const path = `${statePath}.lock`;
  const deadline = Date.now() + waitMs;
  let owner = NaN;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    try {
      const text = readFileSync(path, 'utf8');
      owner = text === '' ? NaN : Number(text);
    } catch {
      continue; // released meanwhile: try again at once
    }
    const pidOk = Number.isInteger(owner) && owner > 0;
    // A lock with no pid in it is a holder that died between create and write (or is writing it now).
    const orphan = !pidOk && Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 2000;
    if (orphan || (pidOk && owner !== process.pid && !alive(owner))) {
      try {
        unlinkSync(path); // the holder died: take it over
      } catch {
        /* someone else took it over first */
      }
      continue;
    }
    if (Date.now() >= deadline)
      throw new StateLockError(
        `${path}: the strategy state is locked by process ${Number.isNaN(owner) ? '?' : owner} (waited ${waitMs} ms); retry, or remove the lock file if no warden runs`,
      );
    Atomics.wait(nap, 0, 0, 5);
  }
}
