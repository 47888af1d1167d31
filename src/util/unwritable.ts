import { accessSync, constants, readFileSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/** The user name of `uid` from /etc/passwd, or null when it has none there. */
export function userName(uid: number, passwd = '/etc/passwd'): string | null {
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name !== undefined && id !== undefined && Number(id) === uid && id.trim() !== '') return name;
  }
  return null;
}

const who = (uid: number): string => `${userName(uid) ?? 'uid'} (uid ${uid})`;

function owner(st: Stats): string {
  return `owned by ${who(st.uid)}, mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}`;
}

/**
 * Why `path` (a file, or a directory) cannot be written by this process, naming each path that
 * refuses (the file, and the directory its journal and temp files go into), its owner (uid →
 * name via /etc/passwd) and its mode: `/srv/data is not writable by bot (uid 1001): owned by
 * root (uid 0), mode 0755`. Null when every path it needs is writable (the failure was
 * something else, e.g. a full disk).
 */
export function unwritableDetail(path: string): string | null {
  const me = process.getuid?.();
  const by = me === undefined ? 'this process' : who(me);
  const isDir = statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  const refusals: string[] = [];
  for (const p of isDir ? [path] : [path, dirname(path)]) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (st === undefined) continue;
    try {
      accessSync(p, constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      refusals.push(
        code === 'EROFS'
          ? `${p} is on a read-only file system (${owner(st)})`
          : `${p} is not writable by ${by}: ${owner(st)}`,
      );
    }
  }
  return refusals.length === 0 ? null : refusals.join('; ');
}
