// The names and entry types of a checkpoint directory. Nothing here opens a file: a FIFO, a
// socket or a device named like a checkpoint must never be opened (opening a FIFO for reading
// blocks until a writer comes), and a symlink must never be followed out of the directory.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const NAME = /^checkpoint-(\d{12,})\.ckpt$/;

/** The file name of checkpoint `seq`: zero-padded to 12 digits so names sort by sequence. */
export const checkpointFileName = (seq: number): string => `checkpoint-${String(seq).padStart(12, '0')}.ckpt`;

/** The sequence number of a checkpoint file name in its canonical form, or null for any other name. */
export function parseCheckpointName(name: string): number | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const seq = Number(m[1]);
  return Number.isSafeInteger(seq) && checkpointFileName(seq) === name ? seq : null;
}

/** What a directory entry is, from `lstat` (which does not open it nor follow a symlink). */
export type EntryType = 'file' | 'directory' | 'symlink' | 'fifo' | 'socket' | 'device' | 'missing';

/** The type of the entry at `path`, without opening it; `missing` when there is none. */
export function entryType(path: string): EntryType {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'device';
}

/** A directory entry with a canonical checkpoint name. */
export interface CheckpointEntry {
  readonly seq: number;
  readonly file: string;
}

/** The entries of `dir` with canonical checkpoint names, newest (highest name) first. */
export function listCheckpointNames(dir: string): CheckpointEntry[] {
  const out: CheckpointEntry[] = [];
  for (const name of readdirSync(dir)) {
    const seq = parseCheckpointName(name);
    if (seq !== null) out.push({ seq, file: join(dir, name) });
  }
  return out.sort((a, b) => b.seq - a.seq);
}
