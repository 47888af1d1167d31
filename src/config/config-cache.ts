// The validated config of the hot-path commands (guard, check, heartbeat, status, evaluate), cached in the
// data dir (`.warden-config-cache.json`), so a start that finds the config unchanged skips zod and
// building the whole schema (about a third of such a command's start). Never trusted blindly:
// an entry is used only when it was written by this very code (`code`: the bundle's SHA-256) on
// this Node (time zones come from its ICU data), for this file's path, and holds the file's text
// byte for byte (an edit of the same size within the same second is still a different text). Any
// difference, a corrupt or unreadable entry, or a symlink at its path: full validation, as
// `loadConfig` does, with the same errors. Only a config that validated is written, atomically
// (temp file opened exclusively, rename), readable by the owner only (it holds the config's text),
// and only into a data dir that exists; a write that fails is no cache and no error.
import { closeSync, constants, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { dataDirFor, loadedFrom, readConfigFile, sourceOf, type ConfigFile } from './config-file.js';
import type { LoadConfigOptions } from './config-file.js';
import type { LoadedConfig, ParsedConfig } from './load-config.js';
import type { WardenConfig } from './schema.js';

/** The cache's file name in the data dir. */
export const CONFIG_CACHE_FILE = '.warden-config-cache.json';
const FORMAT = 'warden-config-cache-1';

interface Entry {
  readonly format: string;
  readonly code: string;
  readonly node: string;
  readonly source: string;
  readonly text: string;
  readonly config: WardenConfig;
  readonly warnings: readonly string[];
}

/** Where the entry for `file` lives: in the data dir its (unvalidated) text names; null if none can. */
function entryPath(opts: LoadConfigOptions, file: ConfigFile): string | null {
  if (file.text === null || file.raw === null || typeof file.raw !== 'object' || Array.isArray(file.raw))
    return null;
  const named = (file.raw as Record<string, unknown>)['dataDir'];
  if (named !== undefined && typeof named !== 'string') return null;
  return join(dataDirFor(opts, file, named), CONFIG_CACHE_FILE);
}

/** The entry at `path` when it is a regular file (never through a symlink) that parses; else null. */
function readEntry(path: string): Partial<Entry> | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const v: unknown = JSON.parse(readFileSync(fd, 'utf8'));
    return v !== null && typeof v === 'object' ? (v as Partial<Entry>) : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The cached validation of `file` at `path`, when the entry matches it exactly. */
function cachedParse(path: string, code: string, file: ConfigFile): ParsedConfig | null {
  const e = readEntry(path);
  if (e === null) return null;
  const matches =
    e.format === FORMAT &&
    e.code === code &&
    e.node === process.version &&
    e.source === sourceOf(file) &&
    e.text === file.text &&
    e.config !== null &&
    typeof e.config === 'object' &&
    Array.isArray(e.warnings) &&
    e.warnings.every((w) => typeof w === 'string');
  return matches ? { config: e.config!, warnings: e.warnings! } : null;
}

function writeEntry(path: string, entry: Entry): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(entry), { flag: 'wx', mode: 0o600 });
    renameSync(tmp, path); // replaces a symlink at `path` itself, never what it points to
  } catch {
    rmSync(tmp, { force: true }); // a read-only or full data dir: no cache, same command
  }
}

/**
 * `loadConfig` with the cache: `code` names the code that validates (null: no cache, full
 * validation every time). The schema and zod are imported only when the cache cannot answer.
 */
export async function loadConfigCached(opts: LoadConfigOptions, code: string | null): Promise<LoadedConfig> {
  const file = readConfigFile(opts);
  const at = code === null ? null : entryPath(opts, file);
  if (at !== null) {
    const hit = cachedParse(at, code!, file);
    // The data dir the validated config names must be the one the entry sits in.
    if (hit !== null && dataDirFor(opts, file, hit.config.dataDir) === dirname(at))
      return loadedFrom(opts, file, hit);
  }
  const { parseConfigWithWarnings } = await import('./load-config.js');
  const parsed = parseConfigWithWarnings(file.raw, sourceOf(file));
  const loaded = loadedFrom(opts, file, parsed);
  // Only what survives JSON unchanged can be answered from JSON.
  const plain = JSON.parse(JSON.stringify(parsed)) as unknown;
  if (at !== null && loaded.dataDir === dirname(at) && isDeepStrictEqual(plain, parsed))
    writeEntry(at, {
      format: FORMAT,
      code: code!,
      node: process.version,
      source: sourceOf(file),
      text: file.text!,
      ...parsed,
    });
  return loaded;
}
