import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readToken, TokenSourceError } from './token-source.js';

describe('readToken', () => {
  it('takes the env var first, then an owner-only file, and refuses any other file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-token-'));
    try {
      const file = join(dir, 'token');
      writeFileSync(file, 'from-file\n');
      chmodSync(file, 0o600);
      const src = { tokenEnv: 'T', tokenFile: file };
      assert.equal(readToken(src, { T: 'from-env' }), 'from-env');
      assert.equal(readToken(src, { T: '' }), 'from-file');
      assert.equal(readToken({ tokenEnv: 'T' }, {}), undefined);
      for (const mode of [0o640, 0o604, 0o644]) {
        chmodSync(file, mode);
        assert.throws(
          () => readToken(src, {}),
          (e: unknown) => e instanceof TokenSourceError && /readable by others/.test(e.message),
        );
      }
      chmodSync(file, 0o600);
      writeFileSync(file, '  \n');
      assert.throws(() => readToken(src, {}), /is empty/);
      assert.throws(() => readToken({ tokenEnv: 'T', tokenFile: join(dir, 'nope') }, {}), /cannot read/);
      mkdirSync(join(dir, 'd'), { mode: 0o700 });
      assert.throws(() => readToken({ tokenEnv: 'T', tokenFile: join(dir, 'd') }, {}), /not a regular file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
