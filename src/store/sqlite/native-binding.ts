import { existsSync, readFileSync } from 'node:fs';
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

let pkgDir: string | null | undefined;

/** better-sqlite3's package directory as Node resolves it from here, once; null when it cannot. */
function packageDir(): string | null {
  if (pkgDir === undefined)
    try {
      pkgDir = dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));
    } catch {
      pkgDir = null;
    }
  return pkgDir;
}

/**
 * Whether the installed better-sqlite3 is exactly `version` and its addon was found: the CommonJS
 * bundle carries a copy of the package's JavaScript (scripts/bundle-cli.mjs) and uses it only then
 * (the addon it drives is the installed one); else it loads the installed package as always.
 */
export function installedSqliteIs(version: string): boolean {
  const dir = packageDir();
  if (dir === null || sqliteNativeBinding() === undefined) return false;
  try {
    return (
      (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown }).version ===
      version
    );
  } catch {
    return false;
  }
}

function locate(): string | null {
  const dir = packageDir();
  if (dir === null) return null; // better-sqlite3's default loader searches as it always did
  try {
    for (const parts of CANDIDATES) {
      const path = join(dir, ...parts, 'better_sqlite3.node');
      if (existsSync(path)) return path;
    }
  } catch {
    // An unreadable directory: the default loader, with its own errors.
  }
  return null;
}
