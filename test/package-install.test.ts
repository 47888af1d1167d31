// The package as a user gets it: `npm pack` of the checkout (which runs the `prepare` build), the
// tarball installed into a new project, the README's TypeScript quick start type-checked and run
// against it, the installed `warden` command run, its public surface compared with the checked-in
// public-surface.txt, and the global and linked installs the README offers. How the installs are
// kept fast (better-sqlite3's addon as a local prebuild): test/helpers/packed-install.ts.
import { after, before, describe, it } from 'node:test';
import { isAscii } from 'node:buffer';
import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeQuickstartState } from './helpers/quickstart-state.js';
import { ROOT } from './helpers/cli.js';
import {
  NPM_FLAGS,
  installEnv,
  installGlobally,
  mustRun,
  packCheckout,
  run,
} from './helpers/packed-install.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const SCRATCH = mkdtempSync(join(tmpdir(), 'warden-pack-'));
let SRC = '';
const PROJECT = join(SCRATCH, 'project');
const PREFIX = join(SCRATCH, 'global');
const LINKED = join(SCRATCH, 'linked');

const ok = mustRun;
const npmEnv = (): NodeJS.ProcessEnv => installEnv(SCRATCH);

/** The TypeScript quick start of the README, as written. */
function readmeQuickStart(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start: a bot in TypeScript'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'the README has a TypeScript quick start');
  return m[1]!;
}

let tarball = '';
let installLog = '';
const timings: Record<string, number> = {};

function timed<T>(label: string, fn: () => T): T {
  const t0 = Date.now();
  try {
    return fn();
  } finally {
    timings[label] = Date.now() - t0;
  }
}

describe('the packed package, installed into a new project', () => {
  before(() => {
    ({ checkout: SRC, tarball } = timed('npm pack (prepare build)', () => packCheckout(SCRATCH)));
    mkdirSync(PROJECT);
    // The override the README tells a Node 20 user to add (npm applies overrides from the root only).
    writeFileSync(
      join(PROJECT, 'package.json'),
      JSON.stringify({
        name: 'a-bot',
        version: '1.0.0',
        private: true,
        type: 'module',
        overrides: { 'light-my-request': { cookie: '1.1.1' } },
      }),
    );
    installLog = timed('npm install <tarball>', () =>
      ok('npm', ['install', ...NPM_FLAGS, tarball], { cwd: PROJECT, env: npmEnv() }, true),
    );
  });

  after(() => {
    process.stderr.write(`package-install timings (ms): ${JSON.stringify(timings)}\n`);
    rmSync(SCRATCH, { recursive: true, force: true });
  });

  it('installs without an EBADENGINE warning on this Node, and ships dist/ but no TypeScript sources', () => {
    assert.doesNotMatch(installLog, /EBADENGINE/);
    const pkg = join(PROJECT, 'node_modules', 'warden');
    assert.ok(existsSync(join(pkg, 'dist', 'index.js')), 'dist/ was built by prepare and packed');
    assert.ok(
      existsSync(join(pkg, 'dist', 'store', 'sqlite', 'migrations')),
      'the SQL migrations are in dist/',
    );
    for (const f of ['index.html', 'dashboard.js', 'dashboard.css'])
      assert.ok(existsSync(join(pkg, 'dist', 'daemon', 'dashboard', f)), `the dashboard's ${f} is in dist/`);
    assert.equal(existsSync(join(pkg, 'src', 'cli', 'main.ts')), false);
    assert.equal(existsSync(join(PROJECT, 'node_modules', 'tsx')), false, 'tsx is a devDependency only');
    // fastify's inject still sets cookies with cookie@1 in place of cookie@2 (light-my-request's use of it).
    const out = ok(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const f = (await import('fastify')).default(); f.get('/', (q, r) => r.send(q.headers.cookie ?? '')); const r = await f.inject({ url: '/', cookies: { a: 'b c' } }); console.log(r.body); await f.close();",
      ],
      { cwd: PROJECT },
    );
    assert.equal(out.trim(), 'a=b%20c');
  });

  it("type-checks and runs the README's TypeScript quick start against `import … from 'warden'`", () => {
    const dataDir = join(PROJECT, 'data');
    mkdirSync(dataDir);
    writeQuickstartState(dataDir);
    const bot = [
      '// The README quick start as written, with the two functions it leaves to the bot.',
      'const placed: string[] = [];',
      'const rejected: string[] = [];',
      'async function placeOrder(s: { strategy: string }): Promise<void> { placed.push(s.strategy); }',
      'function logRejected(s: { strategy: string }, reason: string): void { rejected.push(`${s.strategy}:${reason}`); }',
      readmeQuickStart(),
      "await cycle({ strategy: 'NBA', reduceOnly: false });",
      "await cycle({ strategy: 'NHL', reduceOnly: false });",
      "await killSwitch.trip({ reason: 'quick start' });",
      "await cycle({ strategy: 'NBA', reduceOnly: false });",
      "await cycle({ strategy: 'NBA', reduceOnly: true });",
      "const beat = await store.heartbeats.get('bot');",
      'console.log(JSON.stringify({ placed, rejected, beat: beat?.status }));',
      'strategies.close();',
      'await killSwitch.close();',
      'await store.close();',
    ].join('\n');
    writeFileSync(join(PROJECT, 'bot.ts'), bot);
    writeFileSync(
      join(PROJECT, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          outDir: 'out',
          typeRoots: [join(ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['bot.ts'],
      }),
    );
    timed('tsc of the quick start', () =>
      ok(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: PROJECT }),
    );
    const out = ok(process.execPath, [join('out', 'bot.js')], { cwd: PROJECT });
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), {
      placed: ['NBA', 'NBA'],
      rejected: ['NHL:circuit_breaker_blocked', 'NBA:halted_deny_new_risk'],
      beat: 'ok',
    });
  });

  it('runs the installed `warden` command: node_modules/.bin/warden and npx warden', () => {
    const dir = mkdtempSync(join(SCRATCH, 'cmd-'));
    writeFileSync(join(dir, 'package.json'), '{}');
    const bin = join(PROJECT, 'node_modules', '.bin', 'warden');
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    assert.equal(ok(bin, ['--version'], { cwd: dir }).trim(), version);
    ok(bin, ['init'], { cwd: dir });
    const status = run(bin, ['status', '--json'], { cwd: dir });
    assert.equal(status.code, 0, status.out);
    assert.equal((JSON.parse(status.out) as { halted: boolean }).halted, false);
    // npx in the project that depends on Warden finds the installed command (no download).
    const npx = run(
      'npx',
      ['--no-install', 'warden', 'trip', '--reason', 'from npx', '--data-dir', join(dir, 'data')],
      {
        cwd: PROJECT,
      },
    );
    assert.equal(npx.code, 0, npx.out);
    const guard = run(bin, ['guard', '--data-dir', join(dir, 'data'), '--', 'true'], { cwd: dir });
    assert.equal(guard.code, 2, guard.out);
    assert.match(guard.out, /from npx/);
  });

  it('runs `warden demo` from the installed package: the compiled demo bot, the real ccxt client', () => {
    const bin = join(PROJECT, 'node_modules', '.bin', 'warden');
    const pkg = join(PROJECT, 'node_modules', 'warden');
    assert.ok(
      existsSync(join(pkg, 'dist', 'examples', 'demo-bot.js')),
      'the demo bot is compiled into dist/',
    );
    assert.match(ok(bin, ['demo', '--help'], { cwd: PROJECT }), /--scenario/);
    // ccxt is an optional peer: without it the demo says what to install, and starts nothing
    const missing = run(bin, ['demo', '--duration', '5'], { cwd: PROJECT });
    assert.notEqual(missing.code, 0, missing.out);
    assert.match(missing.out, /npm install ccxt@/);
    // with it (linked from the checkout, not downloaded): one step of the scenario, to its summary
    const ccxt = join(PROJECT, 'node_modules', 'ccxt');
    symlinkSync(join(ROOT, 'node_modules', 'ccxt'), ccxt);
    try {
      const demo = timed('warden demo --scenario timeout (installed)', () =>
        run(bin, ['demo', '--duration', '5', '--scenario', 'timeout'], { cwd: PROJECT }),
      );
      assert.equal(demo.code, 0, demo.out);
      assert.match(demo.out, /venue's own record: 1 order with that id \(no double\)/);
      assert.match(demo.out, /duplicates \(venue record\)\s+0\n/);
    } finally {
      rmSync(ccxt);
    }
  });

  it('runs the hot-path commands from the bundle, loading neither commander nor the daemon, ccxt or pg', () => {
    const pkg = join(PROJECT, 'node_modules', 'warden');
    assert.ok(existsSync(join(pkg, 'dist', 'cli', 'bundle', 'main.js')), 'the package ships the CLI bundle');
    // bin/code-cache.js reads it as latin1 only when it is pure ASCII (faster than a UTF-8 decode).
    assert.ok(
      isAscii(readFileSync(join(pkg, 'dist', 'cli', 'bundle', 'main.cjs'))),
      'the CommonJS bundle is pure ASCII',
    );
    const dir = mkdtempSync(join(SCRATCH, 'hot-'));
    const bin = join(PROJECT, 'node_modules', '.bin', 'warden');
    ok(bin, ['init'], { cwd: dir });
    writeFileSync(
      join(dir, 'hooks.mjs'),
      "import { appendFileSync } from 'node:fs';\nexport async function load(url, ctx, next) { appendFileSync(process.env.WARDEN_LOAD_LOG, url + '\\n'); return next(url, ctx); }\n",
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      // ES modules through the hook; CommonJS ones (the code-cached bundle's require()s) from
      // require.cache at exit.
      "import { register, createRequire } from 'node:module';\nimport { appendFileSync } from 'node:fs';\nimport { pathToFileURL } from 'node:url';\nregister('./hooks.mjs', import.meta.url);\nconst cache = createRequire(import.meta.url).cache;\nprocess.on('exit', () => appendFileSync(process.env.WARDEN_LOAD_LOG, Object.keys(cache).map((f) => pathToFileURL(f).href + '\\n').join('')));\n",
    );
    for (const [args, code] of [
      [['guard', '--', 'true'], 0],
      [['check', 'NBA'], 0],
      [['heartbeat', 'bot'], 0],
      [['status', '--json'], 0],
      [['heartbeat'], 1],
    ] as [string[], number][]) {
      const log = join(dir, `loads-${args.join('-')}.txt`);
      writeFileSync(log, '');
      const r = run(process.execPath, ['--import', join(dir, 'register.mjs'), bin, ...args], {
        cwd: dir,
        env: { ...process.env, WARDEN_LOAD_LOG: log },
      });
      assert.equal(r.code, code, `${args.join(' ')}: ${r.out}`);
      const loaded = readFileSync(log, 'utf8')
        .split('\n')
        .filter((u) => u.startsWith('file:'));
      const fromWarden = loaded.filter(
        (u) =>
          u.includes('/node_modules/warden/') &&
          !u.endsWith('/node_modules/warden/bin/warden.js') &&
          !u.endsWith('/node_modules/warden/bin/code-cache.js'),
      );
      if (code === 1) {
        // An argument error: commander (from dist/cli/program.js) says what is wrong.
        assert.match(r.out, /error: missing required argument 'name'/);
        assert.ok(
          loaded.some((u) => u.includes('/node_modules/commander/')),
          'commander answers errors',
        );
        continue;
      }
      assert.ok(
        loaded.some((u) => u.endsWith('/node_modules/warden/bin/code-cache.js')),
        'the command ran the code-cached bundle',
      );
      assert.ok(
        existsSync(join(pkg, 'dist', 'cli', 'bundle', `main.cjs.${args[0]}.cache`)),
        "the first run wrote its command's code cache",
      );
      assert.ok(
        fromWarden.every((u) => u.includes('/dist/cli/bundle/')),
        `${args.join(' ')} loaded Warden modules outside the bundle: ${fromWarden.join(' ')}`,
      );
      // better-sqlite3's JavaScript runs from the bundle (its code cache), the addon from the package.
      const sqliteJs = loaded.filter((u) => /\/node_modules\/better-sqlite3\/.*\.js$/.test(u));
      assert.deepEqual(sqliteJs, [], `${args.join(' ')} loaded better-sqlite3's own JavaScript`);
      const heavy = loaded.filter((u) => /\/node_modules\/(commander|fastify|ccxt|pg|pino)\//.test(u));
      assert.deepEqual(heavy, [], `${args.join(' ')} loaded`);
      // A built-in through import() would start the ES module loader (guard's node:child_process
      // did, a few ms of every run): the bundle require()s them.
      const builtins = readFileSync(log, 'utf8')
        .split('\n')
        .filter((u) => u.startsWith('node:'));
      assert.deepEqual(builtins, [], `${args.join(' ')} imported built-ins as ES modules`);
    }
    // A corrupt code cache is rejected: the installed command still answers, and rewrites it.
    const cache = join(pkg, 'dist', 'cli', 'bundle', 'main.cjs.status.cache');
    const good = readFileSync(cache);
    const head = good.subarray(0, good.indexOf(10) + 1);
    const corrupt = Buffer.concat([head, Buffer.alloc(good.length - head.length, 0x5a)]);
    writeFileSync(cache, corrupt);
    const status = JSON.parse(ok(bin, ['status', '--json'], { cwd: dir })) as { halted: boolean };
    assert.equal(status.halted, false);
    assert.notDeepEqual(readFileSync(cache), corrupt, 'the rejected cache was rewritten');
    // Another better-sqlite3 installed than the one bundled: the installed package's own
    // JavaScript is loaded (never the bundle's copy beside another addon), and the command works.
    const sqlitePkg = join(PROJECT, 'node_modules', 'better-sqlite3', 'package.json');
    assert.ok(!lstatSync(dirname(sqlitePkg)).isSymbolicLink(), 'the project has its own better-sqlite3');
    const sqliteManifest = readFileSync(sqlitePkg, 'utf8');
    const manifest = JSON.parse(sqliteManifest) as { version: string };
    writeFileSync(sqlitePkg, JSON.stringify({ ...manifest, version: `${manifest.version}-other` }));
    try {
      const log = join(dir, 'loads-other-sqlite.txt');
      writeFileSync(log, '');
      const r = run(process.execPath, ['--import', join(dir, 'register.mjs'), bin, 'status', '--json'], {
        cwd: dir,
        env: { ...process.env, WARDEN_LOAD_LOG: log },
      });
      assert.equal(r.code, 0, r.out);
      assert.equal((JSON.parse(r.out) as { halted: boolean }).halted, false);
      const sqliteJs = readFileSync(log, 'utf8')
        .split('\n')
        .filter((u) => /\/node_modules\/better-sqlite3\/lib\/.*\.js$/.test(u));
      assert.ok(sqliteJs.length > 0, 'another version installed: its own JavaScript is loaded');
    } finally {
      writeFileSync(sqlitePkg, sqliteManifest);
    }
  });

  it('exports exactly the checked-in public surface, and every entry point resolves through the export map', () => {
    const listing = ok(process.execPath, [
      join(ROOT, 'scripts', 'public-surface.mjs'),
      join(PROJECT, 'node_modules', 'warden'),
    ]);
    assert.equal(
      listing,
      readFileSync(join(ROOT, 'public-surface.txt'), 'utf8'),
      'run `npm run surface` and review the diff',
    );
    const subpaths = [...listing.matchAll(/^\[(warden[^\]]*)\]$/gm)].map((m) => m[1]!);
    assert.ok(subpaths.includes('warden/testing'), subpaths.join(' '));
    const probe = subpaths.map((s) => `Object.keys(await import(${JSON.stringify(s)})).length`).join(', ');
    const counts = JSON.parse(
      ok(process.execPath, ['--input-type=module', '-e', `console.log(JSON.stringify([${probe}]))`], {
        cwd: PROJECT,
      }),
    ) as number[];
    assert.equal(counts.length, subpaths.length);
    for (const [i, n] of counts.entries()) assert.ok(n > 0, `${subpaths[i]} exports nothing`);
  });

  it('installs globally from the tarball (npm install -g) and links for development (npm link)', () => {
    const globalBin = timed('npm install -g <tarball>', () => installGlobally(SCRATCH, tarball, PREFIX));
    const dir = mkdtempSync(join(SCRATCH, 'global-'));
    assert.equal(ok(globalBin, ['init'], { cwd: dir }).includes(dir), true);
    assert.ok(existsSync(join(dir, 'data', 'warden.db')));
    // npm link from the (built) checkout copy: the command runs that checkout's code. Its
    // node_modules is pointed at the test project's, so nothing npm does here can touch the
    // checkout's own node_modules.
    rmSync(join(SRC, 'node_modules'));
    symlinkSync(join(PROJECT, 'node_modules'), join(SRC, 'node_modules'));
    timed('npm link', () =>
      ok('npm', ['link', '--ignore-scripts', ...NPM_FLAGS], {
        cwd: SRC,
        env: { ...npmEnv(), npm_config_prefix: LINKED },
      }),
    );
    const linked = join(LINKED, 'bin', 'warden');
    assert.equal(ok(linked, ['--version']).trim().length > 0, true);
    const r = run(linked, ['status', '--data-dir', join(dir, 'data')], { cwd: dir });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /RUNNING/);
  });
});
