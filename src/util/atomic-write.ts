import { openSync, writeSync, fsyncSync, fstatSync, closeSync, renameSync, unlinkSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

let counter = 0;

/**
 * Writes `data` to `path` so that a reader (or a crash) sees either the old file or the
 * new one, never a torn one: write a temp file in the same directory, fsync it, rename it
 * over the target, then fsync the directory so the rename itself is durable.
 */
export function atomicWriteFileSync(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${++counter}.tmp`);
  const fd = openSync(tmp, 'w', 0o644);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* the temp file may not exist */
    }
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dir);
}

/** fsyncs a directory so that a rename or a new entry in it survives a power loss. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Rewrites an existing file in place, for when there is no space for a temp file (ENOSPC):
 * the new bytes go over the old ones from offset 0 and, when shorter, are padded with spaces to
 * the old length, so no block is freed or allocated. Not atomic: a reader may see a torn file.
 * `data` must be text that tolerates trailing whitespace (JSON does).
 */
export function overwriteInPlaceSync(path: string, data: string): void {
  const fd = openSync(path, 'r+');
  try {
    const old = fstatSync(fd).size;
    const raw = Buffer.from(data, 'utf8');
    const buf = raw.length < old ? Buffer.concat([raw, Buffer.alloc(old - raw.length, 0x20)]) : raw;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off, off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
