// Bundles the `warden` command's entry for start-up time (run by scripts/build.mjs after tsc):
// src/cli/main.ts and what the hot-path commands (guard, check, heartbeat, status) import become
// dist/cli/bundle/main.js plus a few chunks (esbuild, ESM, split at each dynamic import), so a
// hot-path command loads a handful of files instead of ~100 modules. Kept out of the bundle and
// loaded from the tsc output in dist/ instead: the commander program (src/cli/program.ts: help,
// errors, every other command) and the packages that are native, optional or heavy. Every
// `import.meta.url` in a bundled file is rewritten to the URL of that file's own dist/ build, so
// a module that finds files beside itself (the SQL migrations) finds them there.
// Returns false (and bin/warden.js runs dist/cli/main.js) when esbuild is not installed.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const BUNDLE_DIR = join('dist', 'cli', 'bundle');

/** Source files loaded from dist/ at run time rather than bundled. */
const KEEP_OUT = new Set([resolve('src', 'cli', 'program.ts')]);

/** Packages left to Node's resolver: native (better-sqlite3), optional (ccxt), or off the hot path. */
const EXTERNAL = [
  'better-sqlite3',
  'pg',
  'fastify',
  '@fastify/*',
  'ccxt',
  'pino',
  'prom-client',
  'tsx',
  'tsx/*',
];

const SRC = resolve('src');
const OUT = resolve(BUNDLE_DIR);

/** `src/a/b.ts` → the import path of `dist/a/b.js` from the bundle's directory. */
function distPathOf(source) {
  const js = join(resolve('dist'), relative(SRC, source)).replace(/\.ts$/, '.js');
  const rel = relative(OUT, js).split(sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/**
 * Keeps program.ts out and points `import.meta.url` at the dist/ build of each file. In the
 * CommonJS bundle (main.cjs, which has no `import.meta`) the base URL is the bundle file's own
 * (`__wardenBundleUrl`, set by its banner), and `import.meta.resolve`, which only the evaluator's
 * worker pool calls (never one of the four hot-path commands), throws a clear error.
 */
const distPaths = (format) => ({
  name: 'warden-dist-paths',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const source = resolve(dirname(args.importer), args.path).replace(/\.js$/, '.ts');
      return KEEP_OUT.has(source) ? { path: distPathOf(source), external: true } : undefined;
    });
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (!args.path.startsWith(SRC + sep)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta')) return { contents: text, loader: 'ts' };
      const base = format === 'cjs' ? '__wardenBundleUrl' : 'import.meta.url';
      const own = `new URL(${JSON.stringify(distPathOf(args.path))}, ${base}).href`;
      let contents = text.replaceAll('import.meta.url', own);
      if (format === 'cjs') contents = contents.replaceAll('import.meta.resolve(', '__wardenNoResolve(');
      return { contents, loader: 'ts' };
    });
  },
});

const require = createRequire(import.meta.url);

/**
 * better-sqlite3's JavaScript (14 files: ~5 to 10 ms of resolving, reading and compiling at each
 * start, outside any code cache) goes into the CommonJS bundle, which picks it at run time only
 * when the installed package is the very version bundled and its addon was found
 * (src/store/sqlite/native-binding.ts `installedSqliteIs`); else the installed package, as before.
 * The addon itself is always the installed one. `bindings` (its default loader, never used when
 * the addon path is given) stays outside.
 */
const sqliteInBundle = {
  name: 'warden-better-sqlite3',
  setup(build) {
    const pkg = dirname(require.resolve('better-sqlite3/package.json'));
    const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    build.onResolve({ filter: /^better-sqlite3$/ }, (args) =>
      args.namespace === 'warden-sqlite'
        ? { path: 'better-sqlite3', external: true }
        : { path: 'better-sqlite3', namespace: 'warden-sqlite' },
    );
    build.onLoad({ filter: /.*/, namespace: 'warden-sqlite' }, () => ({
      contents: [
        `const { installedSqliteIs } = require(${JSON.stringify(resolve('src', 'store', 'sqlite', 'native-binding.ts'))});`,
        `module.exports = installedSqliteIs(${JSON.stringify(version)})`,
        `  ? require(${JSON.stringify(join(pkg, 'lib', 'index.js'))})`,
        `  : require('better-sqlite3');`,
      ].join('\n'),
      resolveDir: pkg,
      loader: 'js',
    }));
  },
};

/** The single-file CommonJS bundle bin/warden.js compiles with a V8 code cache (bin/code-cache.js). */
export const CJS_BUNDLE = join(BUNDLE_DIR, 'main.cjs');

/** Builds the bundle; false when esbuild is missing (an install without devDependencies). */
export async function bundleCli() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return false;
  }
  await esbuild.build({
    entryPoints: { main: 'src/cli/main.ts' },
    outdir: BUNDLE_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    plugins: [distPaths('esm')],
    chunkNames: 'chunk-[hash]',
    // Bundled CommonJS code calls require(); ESM has none, so each file gets its own.
    banner: {
      js: "import { createRequire as __wardenCreateRequire } from 'node:module'; const require = __wardenCreateRequire(import.meta.url);",
    },
    legalComments: 'none',
    logLevel: 'warning',
  });
  // The same entry as one CommonJS file: a script, so bin/warden.js can compile it through
  // `vm.Script` with a V8 code cache (Node 20 has no compile cache for ES modules). The packages
  // kept out are loaded with require(); program.ts stays an ES module, loaded with import().
  await esbuild.build({
    entryPoints: ['src/cli/main.ts'],
    outfile: CJS_BUNDLE,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: [...EXTERNAL.filter((p) => p !== 'better-sqlite3'), 'bindings'],
    plugins: [sqliteInBundle, distPaths('cjs')],
    banner: {
      js: "const __wardenBundleUrl = require('node:url').pathToFileURL(__filename).href; const __wardenNoResolve = (s) => { throw new Error(`import.meta.resolve(${s}) is not available in the CommonJS bundle`); };",
    },
    legalComments: 'none',
    logLevel: 'warning',
  });
  // A script run by `vm.Script` cannot call import() on Node 20 without an experimental flag, so
  // each import() of a package or file kept out (program.js, ccxt) calls the loader's
  // __wardenImport instead (bin/code-cache.js passes it in).
  // A Node built-in (node:child_process for guard's CMD) is require()d instead: import() would
  // start the ES module loader, a few ms that `warden guard` paid on every run.
  const cjs = readFileSync(CJS_BUNDLE, 'utf8')
    .replace(/(?<![\w$.])import\(("node:[\w/]+")\)/g, 'Promise.resolve().then(() => require($1))')
    .replace(/(?<![\w$.])import\((?=")/g, '__wardenImport(')
    // Pure ASCII, so bin/code-cache.js decodes it as latin1 (a copy, not a UTF-8 decode: ~4 ms
    // less per start for 800 kB) and V8 holds it as a one-byte string. esbuild already escapes
    // non-ASCII in strings and regexes; what is left is in comments (×, →, ≠), escaped the same way.
    .replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // Its first line names it by its SHA-256, so bin/code-cache.js can key the cache without
  // hashing 800 kB (and loading node:crypto) at every start.
  const id = createHash('sha256').update(cjs).digest('hex');
  writeFileSync(CJS_BUNDLE, `//warden-bundle ${id}\n${cjs}`);
  return true;
}
