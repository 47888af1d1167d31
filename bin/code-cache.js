// Runs the command's CommonJS bundle (dist/cli/bundle/main.cjs) through `vm.Script` with a V8 code
// cache beside it, so a start skips most of V8's parse and compile (Node 20 has no compile cache
// for ES modules; `module.enableCompileCache` is Node 22.1+). One cache per command slot
// (main.cjs.<slot>.cache: guard, check, heartbeat, status, evaluate, or cli for every other command), written
// after that command's first run, so each holds the functions its own command compiled.
// The cache is never trusted blindly: its first line names the format, the Node version, the
// architecture and the bundle: the SHA-256 the build wrote into the bundle's first line
// (`//warden-bundle <hex>`) with the bundle's size, mtime (ns) and inode, or, for a script without
// that line, the SHA-256 of its bytes. Any difference (stale) and it is ignored, and V8 checks the
// rest (a corrupt or foreign cache is rejected, and the script compiles from source). Hashing the
// 800 kB bundle and loading node:crypto at every start cost more than the cache saved on some
// commands; the build's hash plus the file's identity changes whenever the bundle is rebuilt,
// reinstalled or edited. When no cache was used, one is written at exit (temp file + rename, so a
// reader never sees half a file); a read-only install just keeps compiling from source. The script
// gets the bundle's SHA-256 as `__wardenBundleId`: the hot path keys its config cache by it
// (src/config/config-cache.ts).
'use strict';
const { isAscii } = require('node:buffer');
const { readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const FORMAT = 'warden-code-cache-2';
const BUNDLE_ID = /^\/\/warden-bundle ([0-9a-f]{64})$/;

/** The commands that get a cache of their own; every other command shares `cli`. */
const SLOTS = new Set(['guard', 'check', 'heartbeat', 'status', 'evaluate']);
/** Global options that take a value (src/cli/command-word.ts's VALUE_OPTIONS for the globals). */
const GLOBAL_VALUES = new Set(['--config', '--data-dir']);

/** The cache slot of a command line (`process.argv.slice(2)`). */
function cacheSlot(argv) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (GLOBAL_VALUES.has(a)) i++;
    else if (!a.startsWith('-')) return SLOTS.has(a) ? a : 'cli';
  }
  return 'cli';
}

/** How the cache names `source` (a Buffer, the file at `file`): the build's id, else its hash. */
function bundleIdentity(file, source) {
  const nl = source.indexOf(10);
  const m = nl > 0 ? BUNDLE_ID.exec(source.toString('latin1', 0, nl)) : null;
  if (m !== null) {
    const s = statSync(file, { bigint: true });
    return `${m[1]} ${s.size} ${s.mtimeNs} ${s.ino}`;
  }
  const { createHash } = require('node:crypto');
  return createHash('sha256').update(source).digest('hex');
}

/**
 * The script's text. The build writes the bundle in pure ASCII (scripts/bundle-cli.mjs), which
 * latin1 decodes as a plain copy, several times faster than a UTF-8 decode of 800 kB; anything
 * else (a hand-edited or foreign script) is decoded as UTF-8.
 */
function decode(bytes) {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** The first line a cache file must have to be used for `source` at `file` on this Node. */
function cacheKey(file, source) {
  return `${FORMAT} ${process.version} ${process.arch} ${bundleIdentity(file, source)}`;
}

/** The bundle's SHA-256 from its cache key, which the hot path keys its config cache by. */
function bundleId(key) {
  return key.split(' ')[3];
}

/** The cached data after the key line, or why there is none: 'absent' or 'stale'. */
function readCache(cachePath, key) {
  let buf;
  try {
    buf = readFileSync(cachePath);
  } catch {
    return 'absent';
  }
  const nl = buf.indexOf(10);
  if (nl < 0 || buf.toString('latin1', 0, nl) !== key) return 'stale';
  return buf.subarray(nl + 1);
}

function writeCache(script, cachePath, key) {
  const tmp = `${cachePath}.${process.pid}.tmp`;
  try {
    // 'wx': never through a file or link already at the temp name; rename replaces a link itself.
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${key}\n`, 'latin1'), script.createCachedData()]), {
      flag: 'wx',
    });
    renameSync(tmp, cachePath);
  } catch {
    rmSync(tmp, { force: true }); // read-only install, full disk: no cache, same command
  }
}

/**
 * Runs the CommonJS file `file` as Node's loader would (its own require, module, __filename),
 * with the code cache at `cachePath`. Returns what happened to the cache: 'used', 'rejected'
 * (V8 refused it), 'stale' (made for another bundle or Node) or 'absent'.
 */
function runCached(file, cachePath = `${file}.cache`) {
  const bytes = readFileSync(file);
  const key = cacheKey(file, bytes);
  const cached = readCache(cachePath, key);
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname, __wardenImport, __wardenBundleId) {${decode(bytes)}\n})`,
    { filename: file, cachedData: typeof cached === 'string' ? undefined : cached },
  );
  const status = typeof cached === 'string' ? cached : script.cachedDataRejected ? 'rejected' : 'used';
  // Written after the run, so the functions the command compiled lazily are in it too.
  if (status !== 'used') process.once('exit', () => writeCache(script, cachePath, key));
  const url = pathToFileURL(file);
  // import() for the script (it has none of its own): a relative path from the script's file,
  // a package from this package's node_modules, as the ES module bundle would find them.
  const load = (spec) => import(spec.startsWith('.') ? new URL(spec, url).href : spec);
  const mod = { exports: {} };
  script
    .runInThisContext()
    .call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file), load, bundleId(key));
  return status;
}

module.exports = { cacheSlot, cacheKey, runCached };
