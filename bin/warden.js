#!/usr/bin/env node
// Entry point of the `warden` command. It runs the compiled dist/ whenever that matches the code:
// - an installed package ships no TypeScript sources: dist/, no check at all;
// - in a checkout, dist/ when `npm run build` stamped it from the src/ tree as it is now
//   (bin/source-stamp.js: file count, total size, newest mtime), else the TypeScript sources
//   through tsx, so the command always matches the code.
// CommonJS (bin/package.json), so a start pays for neither Node's ES module loader nor its
// import of this file and code-cache.js: the code-cached bundle is a script too.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const { join, resolve } = require('node:path');

const root = join(__dirname, '..');
// `npm run warden -- …` in a checkout: npm runs the script in the package root, so without this
// a relative --config or --data-dir (and the default ./data) would silently be the clone's.
if (
  process.env.npm_lifecycle_event === 'warden' &&
  process.env.INIT_CWD &&
  resolve(process.cwd()) === resolve(root)
)
  process.chdir(process.env.INIT_CWD);
// The bundle of the command's hot path (scripts/bundle-cli.mjs) when the build made one.
const bundled = join(root, 'dist', 'cli', 'bundle', 'main.js');
const compiled = existsSync(bundled) ? bundled : join(root, 'dist', 'cli', 'main.js');
const source = join(root, 'src', 'cli', 'main.ts');
// The same bundle as one CommonJS file, run with a V8 code cache per command (bin/code-cache.js);
// WARDEN_CODE_CACHE=0 runs the ES module bundle instead (the benchmark compares the two).
const script = join(root, 'dist', 'cli', 'bundle', 'main.cjs');

function distIsFresh() {
  if (!existsSync(compiled)) return false;
  let built;
  try {
    built = JSON.parse(readFileSync(join(root, 'dist', '.source-stamp.json'), 'utf8'));
  } catch {
    return false; // built by something other than `npm run build`: trust only the sources
  }
  const { sourceStamp, sameStamp } = require('./source-stamp.js');
  return sameStamp(built, sourceStamp(join(root, 'src')));
}

async function start() {
  if (!existsSync(source) || distIsFresh()) {
    if (process.env.WARDEN_CODE_CACHE !== '0' && existsSync(script)) {
      const { cacheSlot, runCached } = require('./code-cache.js');
      runCached(script, `${script}.${cacheSlot(process.argv.slice(2))}.cache`);
    } else await import(pathToFileURL(compiled).href);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import(pathToFileURL(source).href);
  }
}

start().catch((err) => {
  process.stderr.write(`warden: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
