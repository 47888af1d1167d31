// bin/warden.js runs dist/ only when it is the build of the src/ tree as it is now, and the
// TypeScript sources through tsx otherwise: real processes, a real package layout on disk.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './helpers/cli.js';

/** A package layout whose two entry points say which one ran. */
function layout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bin-'));
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'src', 'store'), { recursive: true });
  writeFileSync(join(dir, 'src', 'cli', 'main.ts'), "const from: string = 'source';\nconsole.log(from);\n");
  writeFileSync(join(dir, 'src', 'store', 'a.ts'), 'export const a = 1;\n');
  mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'cli', 'main.js'), "console.log('dist');\n");
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** What `npm run build` writes at its start: the stamp of src/. */
function stamp(dir: string): void {
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { sourceStamp } = await import(${JSON.stringify(pathToFileURL(join(dir, 'bin', 'source-stamp.js')).href)});
       (await import('node:fs')).writeFileSync(${JSON.stringify(join(dir, 'dist', '.source-stamp.json'))}, JSON.stringify(sourceStamp(${JSON.stringify(join(dir, 'src'))})));`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
}

function ran(dir: string): string {
  const r = spawnSync(process.execPath, [join(dir, 'bin', 'warden.js')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('bin/warden.js: compiled code when fresh, the sources otherwise', () => {
  it('runs dist/ only while its stamp matches src/: an edit, a new file or a deleted file means tsx', () => {
    const dir = layout();
    assert.equal(ran(dir), 'source', 'no stamp: dist/ was not built by npm run build');
    stamp(dir);
    assert.equal(ran(dir), 'dist');
    appendFileSync(join(dir, 'src', 'store', 'a.ts'), 'export const b = 2;\n');
    assert.equal(ran(dir), 'source', 'an edited file');
    stamp(dir);
    assert.equal(ran(dir), 'dist');
    writeFileSync(join(dir, 'src', 'store', 'new.ts'), 'export {};\n');
    assert.equal(ran(dir), 'source', 'a new file');
    stamp(dir);
    rmSync(join(dir, 'src', 'store', 'new.ts'));
    assert.equal(ran(dir), 'source', 'a deleted file');
    writeFileSync(join(dir, 'dist', '.source-stamp.json'), 'not json');
    assert.equal(ran(dir), 'source', 'an unreadable stamp');
  });

  it('runs the hot-path bundle (dist/cli/bundle/main.js) when the build made one, under the same stamp', () => {
    const dir = layout();
    mkdirSync(join(dir, 'dist', 'cli', 'bundle'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'cli', 'bundle', 'main.js'), "console.log('bundle');\n");
    assert.equal(ran(dir), 'source', 'no stamp');
    stamp(dir);
    assert.equal(ran(dir), 'bundle');
    appendFileSync(join(dir, 'src', 'store', 'a.ts'), 'export const c = 3;\n');
    assert.equal(ran(dir), 'source', 'an edited file');
    rmSync(join(dir, 'src', 'cli', 'main.ts'));
    rmSync(join(dir, 'node_modules'));
    assert.equal(ran(dir), 'bundle', 'an installed package');
  });

  it('an installed package (no TypeScript sources) runs dist/ without any check', () => {
    const dir = layout();
    rmSync(join(dir, 'src', 'cli', 'main.ts'));
    rmSync(join(dir, 'node_modules')); // no tsx either, as in an install without devDependencies
    assert.equal(ran(dir), 'dist');
  });
});
