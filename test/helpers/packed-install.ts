// The package as a user gets it, for test/package-install.test.ts and bench/startup.bench.ts:
// `npm pack` of a copy of the checkout (the copy, so the `prepare` build never rewrites the dist/
// that other processes of this checkout run), and npm installs of the tarball from the npm cache
// `npm ci` filled (--prefer-offline: the registry only for what the cache lacks).
//
// The one shortcut: better-sqlite3's native addon. Compiling it takes 90 to 330 s here, so its own
// installer (prebuild-install) is handed the addon `npm ci` compiled in this checkout as a local
// prebuild (npm_config_better_sqlite3_local_prebuilds) when the versions match; a different version,
// or WARDEN_PACK_TEST_COMPILE=1, compiles it from source. Everything else is what a user gets.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/** npm flags of every install here. */
export const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn'];

/** A finished command: its exit code, its stdout, and stdout + stderr. */
export interface Ran {
  code: number | null;
  stdout: string;
  out: string;
}

/** Runs a command to its end (10 minutes at most). */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): Ran {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 600_000, ...opts });
  return { code: r.status, stdout: String(r.stdout), out: `${String(r.stdout)}${String(r.stderr)}` };
}

/** Runs a command that must succeed (throws with its output otherwise); returns its stdout. */
export function mustRun(cmd: string, args: string[], opts: SpawnSyncOptions = {}, all = false): string {
  const r = run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}:\n${r.out}`);
  return all ? r.out : r.stdout;
}

/** The environment for an npm install: better-sqlite3's local prebuild (see above) in `scratch`. */
export function installEnv(scratch: string): NodeJS.ProcessEnv {
  const env = { ...process.env, npm_config_update_notifier: 'false' };
  if (process.env['WARDEN_PACK_TEST_COMPILE'] === '1') return env;
  const dir = join(ROOT, 'node_modules', 'better-sqlite3');
  if (!existsSync(join(dir, 'build', 'Release', 'better_sqlite3.node'))) return env;
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  const prebuilds = join(scratch, 'prebuilds');
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  if (!existsSync(join(prebuilds, name))) {
    mkdirSync(prebuilds, { recursive: true });
    mustRun('tar', ['czf', join(prebuilds, name), '-C', dir, 'build/Release/better_sqlite3.node']);
  }
  return { ...env, npm_config_better_sqlite3_local_prebuilds: prebuilds };
}

/** Copies the checkout to `scratch`/checkout and packs it there; returns [the copy, the tarball]. */
export function packCheckout(scratch: string): { checkout: string; tarball: string } {
  const checkout = join(scratch, 'checkout');
  mkdirSync(checkout, { recursive: true });
  for (const f of [
    'package.json',
    'README.md',
    'bin',
    'examples',
    'scripts',
    'src',
    'tsconfig.json',
    'tsconfig.build.json',
  ])
    cpSync(join(ROOT, f), join(checkout, f), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
  const packed = mustRun('npm', ['pack', '--pack-destination', scratch, '--loglevel=warn'], {
    cwd: checkout,
  });
  const tarball = join(scratch, packed.trim().split('\n').pop()!.trim());
  if (!existsSync(tarball)) throw new Error(`npm pack did not write ${tarball}`);
  return { checkout, tarball };
}

/** `npm install -g` of the tarball into the prefix `prefix`; returns the installed command. */
export function installGlobally(scratch: string, tarball: string, prefix: string): string {
  mustRun('npm', ['install', '-g', '--prefix', prefix, ...NPM_FLAGS, tarball], { env: installEnv(scratch) });
  return join(prefix, 'bin', 'warden');
}
