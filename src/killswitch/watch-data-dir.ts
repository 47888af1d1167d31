import { watch, type FSWatcher } from 'node:fs';
import { CIRCUIT_FILE, STOP_FILE } from './files.js';

/** What keeps a kill switch's cache fresh without a read per call: a watch and a poll. */
export interface DataDirWatch {
  /** Stops the watch and the poll. */
  close(): void;
}

/**
 * Calls `poke` when STOP or circuit.json changes in `dataDir` (an `fs.watch`), and every
 * `pollMs` (an unref'd timer; 0 = never), which also catches what a watch misses.
 */
export function watchDataDir(dataDir: string, pollMs: number, poke: () => void): DataDirWatch {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  if (pollMs > 0) {
    timer = setInterval(poke, pollMs);
    timer.unref();
  }
  try {
    watcher = watch(dataDir, { persistent: false }, (_e, name) => {
      if (name === STOP_FILE || name === CIRCUIT_FILE || name === null) poke();
    });
    watcher.on('error', () => undefined);
  } catch {
    // No watch support (some network filesystems): the poll still catches every change.
  }
  return {
    close: () => {
      if (timer) clearInterval(timer);
      watcher?.close();
    },
  };
}
