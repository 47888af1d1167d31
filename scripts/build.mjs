// `npm run build` (and `prepare`, so an install from a clone, a path or a git URL is usable at
// once): compiles src/ to dist/, copies the SQL migrations, bundles the command's hot path
// (scripts/bundle-cli.mjs: dist/cli/bundle/), removes what it did not produce (prune-dist.mjs: a
// module deleted from src/ is never packed), and writes dist/.source-stamp.json,
// the stamp of src/ taken *before* compiling, so an edit made during the build leaves dist/ stale.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { sourceStamp } from '../bin/source-stamp.js';
import { BUNDLE_DIR, bundleCli } from './bundle-cli.mjs';
import { pruneDist } from './prune-dist.mjs';

const stamp = sourceStamp('src');
rmSync(join('dist', '.source-stamp.json'), { force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--listEmittedFiles'], {
  stdio: ['inherit', 'pipe', 'inherit'],
  encoding: 'utf8',
});
const emitted = [];
for (const line of (r.stdout ?? '').split('\n')) {
  if (line.startsWith('TSFILE: ')) emitted.push(line.slice('TSFILE: '.length));
  else if (line !== '') process.stdout.write(`${line}\n`);
}
if (r.status !== 0) process.exit(r.status ?? 1);
const stale = pruneDist('dist', 'src', emitted);
if (stale.length > 0) process.stdout.write(`build: removed ${stale.length} stale file(s) from dist/\n`);
const copy = spawnSync(process.execPath, [join('scripts', 'copy-assets.mjs')], { stdio: 'inherit' });
if (copy.status !== 0) process.exit(copy.status ?? 1);
const bot = spawnSync(process.execPath, [join('scripts', 'compile-demo-bot.mjs')], { stdio: 'inherit' });
if (bot.status !== 0) process.exit(bot.status ?? 1);
rmSync(BUNDLE_DIR, { recursive: true, force: true });
if (!(await bundleCli()))
  process.stderr.write(
    'build: esbuild is not installed: no CLI bundle (bin/warden.js runs dist/cli/main.js)\n',
  );
mkdirSync('dist', { recursive: true });
writeFileSync(join('dist', '.source-stamp.json'), `${JSON.stringify(stamp)}\n`);
