import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Where better-sqlite3's default loader (the `bindings` package) looks first, in its order. */
const CANDIDATES = [['build'], ['build', 'Debug'], ['build', 'Release']];

let found: string | null | undefined;

/**
 * The path of better-sqlite3's native addon, found once per process in better-sqlite3's own
 * package directory, for its `nativeBinding` option: its default loader walks the call stack and
 * a dozen candidate paths at every start (~4M instructions of `warden status`). Undefined (the
 * default loader, with its own errors) when the package cannot be resolved or holds none of them.
 */
export function sqliteNativeBinding(): string | undefined {
  found ??= locate();
  return found ?? undefined;
}

function locate(): string | null {
  try {
    const dir = dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
    for (const parts of CANDIDATES) {
      const path = join(dir, ...parts, 'better_sqlite3.node');
      if (existsSync(path)) return path;
    }
  } catch {
    // Not resolvable from here: better-sqlite3's default loader searches as it always did.
  }
  return null;
}
