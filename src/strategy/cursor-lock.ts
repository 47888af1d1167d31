import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the incremental cursor's lock file (`<cursor>.lock`, holding the owner's pid), so two
 * evaluations at once (the daemon's schedule and a manual `warden evaluate`) never append to
 * the same day files. A lock whose process is gone is taken over. Returns a release function,
 * or null when another live process holds the lock (that run then reads the whole log and
 * leaves the cursor alone).
 */
export function lockCursor(cursorPath: string): (() => void) | null {
  const path = `${cursorPath}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return null;
      let owner = NaN;
      try {
        owner = Number(readFileSync(path, 'utf8'));
      } catch {
        /* vanished meanwhile: retry */
      }
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) return null;
      try {
        unlinkSync(path);
      } catch {
        /* someone else took it over */
      }
    }
  }
  return null;
}
