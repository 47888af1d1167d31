import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT } from './helpers/cli.js';

function jsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) jsFiles(p, out);
    else if (name.endsWith('.js')) out.push(p);
  }
  return out;
}

describe('the published build', () => {
  it('compiles no test helper: nothing in it imports node:test or a devDependency', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'warden-build-'));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    // ccxt is an optional peer: the core never imports it statically; a lazy `import('ccxt')`, made
    // only when the config names a ccxt exchange (exchange/from-config), is the one way it loads.
    const forbidden = ['node:test', ...Object.keys(pkg.devDependencies)];
    const lazyOk = new Set(Object.keys(pkg.peerDependencies ?? {}));
    const files = jsFiles(outDir);
    assert.ok(files.length > 50, `the build wrote ${files.length} files`);
    const offenders: string[] = [];
    for (const f of files) {
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(/(from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) {
        const spec = m[2]!;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        const lazy = m[1]!.includes('(');
        if (lazy && lazyOk.has(name)) continue;
        if (forbidden.includes(spec) || forbidden.includes(name))
          offenders.push(`${relative(outDir, f)}: ${spec}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
