import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockState } from './state-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-slock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('lockState', () => {
  it('holds the lock file until released', () => {
    const s = join(dir, 's.json');
    const release = lockState(s);
    assert.ok(existsSync(`${s}.lock`));
    release();
    assert.ok(!existsSync(`${s}.lock`));
    lockState(s)();
  });

  it('refuses after the wait while a live process holds it, naming the process', () => {
    const s = join(dir, 's.json');
    writeFileSync(`${s}.lock`, String(process.ppid)); // a live process that is not us
    assert.throws(
      () => lockState(s, 50),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'E_STATE_LOCKED');
        assert.match(e.message, new RegExp(`locked by process ${process.ppid}`));
        return true;
      },
    );
  });

  it('takes over the lock of a process that died', () => {
    const s = join(dir, 's.json');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(`${s}.lock`, dead.stdout);
    const release = lockState(s, 50);
    release();
  });
});
