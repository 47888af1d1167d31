// Runs the command's CommonJS bundle (dist/cli/bundle/main.cjs) through `vm.Script` with a V8 code
// cache beside it (main.cjs.cache), so a start skips most of V8's parse and compile (Node 20 has
// no compile cache for ES modules; `module.enableCompileCache` is Node 22.1+). The cache is never
// trusted blindly: its first line names the format, the Node version, the architecture and the
// SHA-256 of the bundle; any difference (stale) and it is ignored, and V8 checks the rest (a
// corrupt or foreign cache is rejected, and the script compiles from source). When no cache was
// used, one is written at exit (temp file + rename, so a reader never sees half a file); a
// read-only install just keeps compiling from source.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

const FORMAT = 'warden-code-cache-1';

/** The first line a cache file must have to be used for `source` (a Buffer) on this Node. */
export function cacheKey(source) {
  const hash = createHash('sha256').update(source).digest('hex');
  return `${FORMAT} ${process.version} ${process.arch} ${hash}`;
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
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${key}\n`, 'latin1'), script.createCachedData()]));
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
export function runCached(file, cachePath = `${file}.cache`) {
  const bytes = readFileSync(file);
  const key = cacheKey(bytes);
  const cached = readCache(cachePath, key);
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname, __wardenImport) {${bytes.toString('utf8')}\n})`,
    { filename: file, cachedData: typeof cached === 'string' ? undefined : cached },
  );
  const status = typeof cached === 'string' ? cached : script.cachedDataRejected ? 'rejected' : 'used';
  // Written after the run, so the functions the command compiled lazily are in it too.
  if (status !== 'used') process.once('exit', () => writeCache(script, cachePath, key));
  const url = pathToFileURL(file);
  // import() for the script (it has none of its own): a relative path from the script's file,
  // a package from this package's node_modules, as the ES module bundle would find them.
  const load = (spec) => import(spec.startsWith('.') ? new URL(spec, url).href : spec);
  const module = { exports: {} };
  script
    .runInThisContext()
    .call(module.exports, module.exports, createRequire(file), module, file, dirname(file), load);
  return status;
}
