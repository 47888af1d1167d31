import {
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncDir } from '../../util/atomic-write.js';
import type { Disposable } from '../../util/event.js';
import type { StrategyStateDocument } from '../runtime/strategy-breaker.js';

/** What the mirror follows: the strategy breaker of a fleet host (the store's confirmed state). */
export interface MirrorSource {
  document(): Promise<StrategyStateDocument>;
  onStoreState(listener: () => void): Disposable;
}

/** Options of `startStateMirror`. */
export interface StateMirrorOptions {
  /** The seed-format state file seed bots read (`strategy.state`). */
  readonly path: string;
  /** The state key (`strategies`, `sports`): the fail-open document's empty section. */
  readonly stateKey: string;
  readonly source: MirrorSource;
  /** Told once per failure episode (a refused or failed write); never thrown. */
  readonly onError?: (err: Error) => void;
  /** Told after each write, with what it said. */
  readonly onWritten?: (status: MirrorStatus) => void;
}

/** What the mirror file says: the store's state (`ok`), or the fail-open document. */
export type MirrorStatus = 'ok' | 'missing' | 'unconfirmed';

/** The key Warden adds to the mirrored document (the seed's fields are never renamed). */
export const MIRROR_KEY = 'warden_mirror';

/**
 * The file's text for a document. The store's state: the document as stored, plus `warden_mirror`.
 * Nothing stored, or not confirmed within the lease: a document every reader fails open on, as
 * the runtime check does (DESIGN.md: the strategy breaker allows with a `*_fail_open` reason):
 * `as_of_unix` 0 (seed 000's reader: `state_stale_fail_open`) and an empty section (any key
 * unknown), with the reason in `warden_mirror`. Never the last confirmed entries: a blocked key
 * there would deny where the check allows.
 */
export function mirrorText(
  d: StrategyStateDocument,
  stateKey: string,
): { status: MirrorStatus; text: string } {
  if (d.status === 'ok') {
    const doc = { ...d.doc, [MIRROR_KEY]: { status: 'ok', of: d.where } };
    return { status: 'ok', text: `${JSON.stringify(doc, null, 2)}\n` };
  }
  const status = d.status === 'missing' ? 'missing' : 'unconfirmed';
  const doc = {
    as_of: new Date(0).toISOString(),
    as_of_unix: 0,
    [stateKey]: {},
    [MIRROR_KEY]: {
      status,
      reason: status === 'missing' ? 'state_missing_fail_open' : 'store_unconfirmed_fail_open',
      detail: d.error,
    },
  };
  return { status, text: `${JSON.stringify(doc, null, 2)}\n` };
}

let counter = 0;

/**
 * Replaces `path` by a file holding `text`: a fresh temp file beside it (O_EXCL | O_NOFOLLOW, so
 * never through a planted link), fsynced, renamed over, the directory fsynced. Refuses, writing
 * nothing, when `path` is there and is not a regular file (a symlink is never followed or
 * replaced, a FIFO never written or opened).
 */
export function writeMirrorFile(path: string, text: string): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st !== undefined && !st.isFile()) {
    const what = st.isSymbolicLink() ? 'a symbolic link' : st.isFIFO() ? 'a FIFO' : 'not a regular file';
    throw new Error(`${path} is ${what}: the strategy state mirror is not written there (never followed)`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++counter}.mirror.tmp`);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const fd = openSync(tmp, flags, 0o644);
  try {
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    try {
      unlinkSync(tmp);
    } catch {
      // renamed, or never there
    }
    throw err;
  }
  fsyncDir(dirname(path));
}

/**
 * A fleet host's seed-format strategy state file, following the store: written at start and
 * whenever the breaker takes a new state from the store or its lease runs out (the change feed's
 * wake-ups and the poll drive the breaker). A write that fails or is refused is reported once per
 * episode and retried on the next change; the same text is not written twice in a row.
 */
export function startStateMirror(opts: StateMirrorOptions): { readonly ready: Promise<void>; close(): void } {
  let closed = false;
  let writing = false;
  let again = false;
  let last: string | null = null;
  let failing: string | null = null;
  const once = async (): Promise<void> => {
    try {
      const { status, text } = mirrorText(await opts.source.document(), opts.stateKey);
      if (closed || text === last) return;
      writeMirrorFile(opts.path, text);
      last = text;
      failing = null;
      opts.onWritten?.(status);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if (failing !== e.message) opts.onError?.(e);
      failing = e.message;
    }
  };
  const run = async (): Promise<void> => {
    if (writing) {
      again = true;
      return;
    }
    writing = true;
    try {
      do {
        again = false;
        await once();
      } while (again && !closed);
    } finally {
      writing = false;
    }
  };
  const sub = opts.source.onStoreState(() => void run());
  return {
    ready: run(),
    close: () => {
      closed = true;
      sub.dispose();
    },
  };
}
