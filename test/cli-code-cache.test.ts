// bin/code-cache.js, the V8 code cache the installed `warden` command compiles its CommonJS
// bundle with: never trusted blindly. Real processes run a real script; the cache is absent,
// then used, then corrupted, stale (another script, another Node) or unwritable, and every run
// must still print what the script *as it is now* prints.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './helpers/cli.js';

const LOADER = pathToFileURL(join(ROOT, 'bin', 'code-cache.js')).href;

/** A script using what the bundle uses: require, __dirname, and the loader's import(). */
function script(dir: string, word: string): string {
  const file = join(dir, 'main.cjs');
  writeFileSync(join(dir, 'other.mjs'), 'export const tail = "!";\n');
  writeFileSync(
    file,
    `const { basename } = require('node:path');\n` +
      `function shout(s) { return s.toUpperCase(); }\n` +
      `__wardenImport('./other.mjs').then((m) => process.stdout.write(shout(${JSON.stringify(word)}) + ' ' + basename(__dirname) + m.tail + '\\n'));\n`,
  );
  return file;
}

/** Runs `file` through runCached; the cache's status (stderr) and the script's output. */
function run(file: string, cachePath = `${file}.cache`): { status: string; out: string } {
  const code = `import(${JSON.stringify(LOADER)}).then((m) => process.stderr.write(m.runCached(${JSON.stringify(file)}, ${JSON.stringify(cachePath)})));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { status: r.stderr, out: r.stdout };
}

describe('the V8 code cache of the CommonJS bundle', () => {
  it('is written by the first run and used by the next, with the same output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-code-cache-'));
    const file = script(dir, 'halt');
    const expected = `HALT ${dir.split('/').pop()}!\n`;
    assert.deepEqual(run(file), { status: 'absent', out: expected });
    const cache = readFileSync(`${file}.cache`);
    assert.match(
      cache.toString('latin1', 0, cache.indexOf(10)),
      /^warden-code-cache-2 v\d+\.\d+\.\d+ \w+ [0-9a-f]{64}$/,
    );
    assert.deepEqual(run(file), { status: 'used', out: expected });
  });

  it('rejects a corrupt cache, runs from source, and rewrites it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-code-cache-'));
    const file = script(dir, 'halt');
    const expected = run(file).out;
    const cache = readFileSync(`${file}.cache`);
    const head = cache.subarray(0, cache.indexOf(10) + 1);
    writeFileSync(`${file}.cache`, Buffer.concat([head, Buffer.alloc(cache.length - head.length, 0xa5)]));
    assert.deepEqual(run(file), { status: 'rejected', out: expected });
    assert.deepEqual(run(file), { status: 'used', out: expected });
    writeFileSync(`${file}.cache`, head); // a key line and no data at all
    assert.deepEqual(run(file), { status: 'rejected', out: expected });
    writeFileSync(`${file}.cache`, 'garbage without a key line');
    assert.deepEqual(run(file), { status: 'stale', out: expected });
    assert.deepEqual(run(file), { status: 'used', out: expected });
  });

  it('ignores a cache made for another script or another Node, never running the old code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-code-cache-'));
    const file = script(dir, 'halt');
    run(file);
    const old = readFileSync(`${file}.cache`);
    script(dir, 'hold'); // the bundle rebuilt: same length (V8 checks only that), other code
    const expected = `HOLD ${dir.split('/').pop()}!\n`;
    assert.deepEqual(run(file), { status: 'stale', out: expected });
    assert.deepEqual(run(file), { status: 'used', out: expected });
    // the right script hash under another Node version
    const now = readFileSync(`${file}.cache`);
    const line = now.toString('latin1', 0, now.indexOf(10));
    const other = line.replace(/ v\d+\.\d+\.\d+ /, ' v0.0.1 ');
    assert.notEqual(other, line);
    writeFileSync(
      `${file}.cache`,
      Buffer.concat([Buffer.from(other, 'latin1'), now.subarray(now.indexOf(10))]),
    );
    assert.deepEqual(run(file), { status: 'stale', out: expected });
    assert.notDeepEqual(old, readFileSync(`${file}.cache`));
  });

  it("keys a built bundle by the SHA-256 on its first line and the file's identity, and passes the id on", () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-code-cache-'));
    const file = join(dir, 'main.cjs');
    const id = 'c'.repeat(64);
    const body = (word: string) =>
      `//warden-bundle ${id}\nprocess.stdout.write(${JSON.stringify(word)} + ' ' + __wardenBundleId + '\\n');\n`;
    writeFileSync(file, body('halt'));
    assert.deepEqual(run(file), { status: 'absent', out: `halt ${id}\n` });
    const line = readFileSync(`${file}.cache`, 'latin1').split('\n')[0]!;
    assert.match(line, new RegExp(`^warden-code-cache-2 v\\d+\\.\\d+\\.\\d+ \\w+ ${id} \\d+ \\d+ \\d+$`));
    assert.deepEqual(run(file), { status: 'used', out: `halt ${id}\n` });
    // edited in place, same length, same first line: the file's mtime tells
    writeFileSync(file, body('hold'));
    assert.deepEqual(run(file), { status: 'stale', out: `hold ${id}\n` });
    assert.deepEqual(run(file), { status: 'used', out: `hold ${id}\n` });
  });

  it('decodes a script that is not pure ASCII as UTF-8, and a pure ASCII one with escapes as written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-code-cache-'));
    const file = join(dir, 'main.cjs');
    // The raw characters in a string literal: a latin1 read would print them as mojibake.
    writeFileSync(file, `// halt → stop\nprocess.stdout.write('halted ≠ running ✓\\n');\n`);
    assert.deepEqual(run(file), { status: 'absent', out: 'halted ≠ running ✓\n' });
    assert.deepEqual(run(file), { status: 'used', out: 'halted ≠ running ✓\n' });
    // What the build writes: the same text with every non-ASCII character escaped.
    writeFileSync(file, `// halt \\u2192 stop\nprocess.stdout.write('halted \\u2260 running \\u2713\\n');\n`);
    assert.deepEqual(run(file), { status: 'stale', out: 'halted ≠ running ✓\n' });
  });

  it('gives each hot-path command a cache of its own, past the global options', async () => {
    const { cacheSlot } = (await import(LOADER)) as { cacheSlot: (argv: string[]) => string };
    assert.equal(cacheSlot(['status', '--json']), 'status');
    assert.equal(cacheSlot(['--config', 'guard', 'check', 'NBA']), 'check');
    assert.equal(cacheSlot(['--data-dir', 'x', 'heartbeat', 'bot']), 'heartbeat');
    assert.equal(cacheSlot(['--json', 'guard', '--', 'true']), 'guard');
    assert.equal(cacheSlot(['serve']), 'cli');
    assert.equal(cacheSlot(['--version']), 'cli');
  });

  it('still runs when the cache cannot be written (a read-only install)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-code-cache-'));
    const file = script(dir, 'halt');
    const nowhere = join(dir, 'no-such-dir', 'main.cjs.cache');
    const expected = `HALT ${dir.split('/').pop()}!\n`;
    assert.deepEqual(run(file, nowhere), { status: 'absent', out: expected });
    assert.deepEqual(run(file, nowhere), { status: 'absent', out: expected });
    assert.equal(existsSync(join(dir, 'no-such-dir')), false);
  });
});
