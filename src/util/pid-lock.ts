import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fsyncDir } from './atomic-write.js';

// The one lock file mechanism every single-writer part of Warden uses (the decision log, the
// strategy state, the incremental cursor). The lock file holds the owner's host, pid, process
// start time and a nonce, and appears whole or not at all (written to a temp file, then
// hard-linked into place, which fails with EEXIST like O_EXCL). A lock whose owner is gone (no
// such pid on this host, or the pid now belongs to a younger process) is stale and is taken over
// by renaming it aside and checking that what was moved is the lock judged stale, so two
// processes taking over the same stale lock never both hold it. A lock of a live process, of
// another host, or one that cannot be read (unless old) is respected: fail closed.

/** What a lock file holds. */
export interface LockOwner {
  readonly host: string;
  readonly pid: number;
  /** The owner's start time as the kernel counts it (Linux), to tell a reused pid apart. */
  readonly start: string | null;
  readonly nonce: string;
  readonly since: string;
}

/** Builds the error thrown when a live owner (or an unreadable lock: `owner` null) holds the lock. */
export type LockRefusal = (lockFile: string, owner: LockOwner | null) => Error;

const UNREADABLE_GRACE_MS = 10_000;

/** The start time of process `pid` (field 22 of /proc/PID/stat), or null where there is no /proc. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // The pid exists: it is the owner unless its start time says it is a newer process.
  if (owner.start === null) return true;
  const now = processStart(owner.pid);
  return now === null || now === owner.start;
}

/** How an owner is named in errors: `pid N on HOST since ISO`. */
export function describeLockOwner(o: LockOwner | null): string {
  return o ? `pid ${o.pid} on ${o.host} since ${o.since}` : 'an unreadable lock file';
}

function readOwner(path: string): { text: string; owner: LockOwner | null } {
  const text = readFileSync(path, 'utf8');
  // A bare pid: a lock written by hand or by an older Warden, taken as this host's.
  if (/^\s*[1-9]\d*\s*$/.test(text))
    return { text, owner: { host: hostname(), pid: Number(text), start: null, nonce: '', since: '?' } };
  try {
    const o = JSON.parse(text) as LockOwner;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.nonce === 'string')
      return { text, owner: o };
  } catch {
    /* torn or foreign */
  }
  return { text, owner: null };
}

/** The owner of the lock file `path` if it is a live process on this host, else null (no lock, stale, foreign). */
export function liveLockOwner(path: string): LockOwner | null {
  try {
    const { owner } = readOwner(path);
    return owner !== null && owner.host === hostname() && isAlive(owner) ? owner : null;
  } catch {
    return null;
  }
}

/** An exclusive lock file held by this process. */
export class PidLock {
  readonly path: string;
  readonly owner: LockOwner;
  #ino: number;
  #released = false;

  private constructor(path: string, owner: LockOwner, ino: number) {
    this.path = path;
    this.owner = owner;
    this.#ino = ino;
  }

  /** Takes the lock file `path`, taking over a stale one; throws `refuse(...)` when a live owner holds it. */
  static acquire(path: string, refuse: LockRefusal): PidLock {
    PidLock.#sweep(path);
    const owner: LockOwner = {
      host: hostname(),
      pid: process.pid,
      start: processStart(process.pid),
      nonce: randomBytes(8).toString('hex'),
      since: new Date().toISOString(),
    };
    const tmp = `${path}.tmp-${owner.pid}-${owner.nonce}`;
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      writeSync(fd, JSON.stringify(owner));
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      unlinkSync(tmp);
      throw err;
    }
    closeSync(fd);
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          linkSync(tmp, path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          PidLock.#takeOverIfStale(path, owner, refuse);
          continue;
        }
        fsyncDir(dirname(path));
        // The inode from the temp name (the same file): the lock's own name can be moved aside for
        // a moment by a racer that judged the previous, stale lock and puts it back.
        return new PidLock(path, owner, statSync(tmp).ino);
      }
    } finally {
      unlinkSync(tmp);
    }
    throw refuse(path, null);
  }

  /** Removes the temp and set-aside files a process killed mid-acquire left behind (their pid is gone). */
  static #sweep(path: string): void {
    const dir = dirname(path);
    const prefix = `${basename(path)}.`;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const m = /^(?:tmp|stale)-(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
      if (m === null) continue;
      try {
        process.kill(Number(m[1]), 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') continue;
        try {
          unlinkSync(join(dir, name));
        } catch {
          /* another process swept it */
        }
      }
    }
  }

  /** Removes a stale lock (renamed to a unique name, then checked to be what was judged stale); throws if it is live. */
  static #takeOverIfStale(path: string, me: LockOwner, refuse: LockRefusal): void {
    let seen: { text: string; owner: LockOwner | null };
    let mtime: number;
    try {
      seen = readOwner(path);
      mtime = statSync(path).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // released meanwhile: retry
      throw err;
    }
    const o = seen.owner;
    const stale =
      o === null
        ? Date.now() - mtime > UNREADABLE_GRACE_MS // a crash between create and write leaves it empty
        : o.host === me.host && !isAlive(o);
    if (!stale) throw refuse(path, o);
    const aside = `${path}.stale-${me.pid}-${me.nonce}`;
    try {
      renameSync(path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else took it over first
      throw err;
    }
    let moved = '';
    try {
      moved = readFileSync(aside, 'utf8');
    } catch {
      /* vanished: treat as not ours */
    }
    if (moved !== seen.text) {
      // Between our read and our rename another process took the stale lock over and created its
      // own: we moved a live lock. Put it back (link fails if yet another lock exists) and give up.
      try {
        linkSync(aside, path);
      } catch {
        /* a newer lock is in place; the owner whose lock we moved will see it lost and stop */
      }
      unlinkSync(aside);
      throw refuse(path, readOwnerOrNull(path));
    }
    unlinkSync(aside);
  }

  /** Null while the lock file is still the one this process created, else what happened to it. */
  check(): string | null {
    if (this.#released) return 'the lock was released';
    try {
      if (statSync(this.path).ino === this.#ino) return null;
      return `lock file ${this.path} was replaced by another process`;
    } catch {
      return `lock file ${this.path} disappeared`;
    }
  }

  /** Removes the lock file if it is still this process's. */
  release(): void {
    if (this.#released) return;
    const mine = this.check() === null;
    this.#released = true;
    if (mine) {
      try {
        unlinkSync(this.path);
      } catch {
        /* already gone */
      }
    }
  }
}

function readOwnerOrNull(path: string): LockOwner | null {
  try {
    return readOwner(path).owner;
  } catch {
    return null;
  }
}
