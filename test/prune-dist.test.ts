// The build removes from dist/ what it did not produce (scripts/prune-dist.mjs), so a module
// deleted from src/ is neither packed nor importable as a `warden/<name>` subpath from a tarball
// built in an old checkout. Run on a temporary dist/ and src/, through the script itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'prune-dist.mjs');
const dir = mkdtempSync(join(tmpdir(), 'warden-prune-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function put(rel: string): string {
  const p = join(dir, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, 'x');
  return p;
}

function prune(emitted: string[]): string[] {
  const code = `import(${JSON.stringify(pathToFileURL(SCRIPT).href)}).then((m) => process.stdout.write(JSON.stringify(m.pruneDist(process.argv[1], process.argv[2], JSON.parse(process.argv[3])).sort())))`;
  const r = spawnSync(
    process.execPath,
    ['-e', code, join(dir, 'dist'), join(dir, 'src'), JSON.stringify(emitted)],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

describe('the build prunes dist/', () => {
  it('removes outputs tsc did not emit and assets whose source is gone; keeps the rest', () => {
    const kept = [put('dist/index.js'), put('dist/index.d.ts'), put('dist/public/ops.js')];
    put('src/store/sqlite/migrations/001_init.sql');
    const sql = put('dist/store/sqlite/migrations/001_init.sql');
    put('src/daemon/dashboard/dashboard.js');
    const page = put('dist/daemon/dashboard/dashboard.js');
    const fresh = [
      put('dist/cli/bundle/main.cjs'),
      put('dist/examples/demo-bot.js'),
      put('dist/.source-stamp.json'),
    ];
    put('dist/ops/daily-schedule.js');
    put('dist/ops/daily-schedule.d.ts');
    put('dist/public/gone.js');
    put('dist/store/kv-contract.js');
    put('dist/store/sqlite/migrations/000_dropped.sql');
    put('dist/daemon/dashboard/old.css');
    const removed = prune(kept);
    assert.deepEqual(removed, [
      'daemon/dashboard/old.css',
      'ops/daily-schedule.d.ts',
      'ops/daily-schedule.js',
      'public/gone.js',
      'store/kv-contract.js',
      'store/sqlite/migrations/000_dropped.sql',
    ]);
    for (const p of [...kept, sql, page, ...fresh]) assert.ok(existsSync(p), `${p} was kept`);
    assert.ok(!existsSync(join(dir, 'dist', 'ops')), 'a folder left empty is removed');
  });

  it('does nothing when there is no dist/ yet', () => {
    rmSync(join(dir, 'dist'), { recursive: true, force: true });
    assert.deepEqual(prune([]), []);
  });
});
