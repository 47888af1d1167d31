import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PidLock, liveLockOwner } from './pid-lock.js';

class Held extends Error {}
const refuse = () => new Held();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-pidlock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const deadPid = (): string =>
  spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    .stdout;

describe('PidLock', () => {
  it('is exclusive while held, and free again once released', () => {
    const path = join(dir, 'x.lock');
    const a = PidLock.acquire(path, refuse);
    assert.equal(liveLockOwner(path)?.pid, process.pid);
    assert.throws(() => PidLock.acquire(path, refuse), Held);
    a.release();
    assert.equal(existsSync(path), false);
    PidLock.acquire(path, refuse).release();
  });

  it('respects a bare-pid lock of a live process and takes over one of a dead process', () => {
    const path = join(dir, 'x.lock');
    writeFileSync(path, String(process.ppid));
    assert.throws(() => PidLock.acquire(path, refuse), Held);
    writeFileSync(path, deadPid());
    const lock = PidLock.acquire(path, refuse);
    assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid, process.pid);
    lock.release();
  });

  it('respects a fresh unreadable lock (a writer between create and write): fail closed', () => {
    const path = join(dir, 'x.lock');
    writeFileSync(path, '{"torn');
    assert.throws(() => PidLock.acquire(path, refuse), Held);
  });

  it('says so when its lock file was replaced, and then leaves the other lock alone', () => {
    const path = join(dir, 'x.lock');
    const lock = PidLock.acquire(path, refuse);
    renameSync(path, `${path}.moved`);
    writeFileSync(path, String(process.ppid));
    assert.match(lock.check() ?? '', /replaced/);
    lock.release();
    assert.equal(readFileSync(path, 'utf8'), String(process.ppid));
  });

  it('two processes taking over one stale lock at once: never both hold it', async () => {
    const path = join(dir, 'x.lock');
    const script = `
      import { PidLock } from ${JSON.stringify(new URL('./pid-lock.ts', import.meta.url).href)};
      const go = Number(process.argv.at(-1));
      while (Date.now() < go) {}
      try {
        PidLock.acquire(${JSON.stringify(path)}, () => new Error('held'));
        process.stdout.write('got');
        setTimeout(() => {}, 2500); // held until both have tried
      } catch { process.stdout.write('refused'); }`;
    for (let round = 0; round < 3; round++) {
      writeFileSync(path, deadPid());
      const go = String(Date.now() + 1500); // both start trying at the same moment
      const kids = [0, 1].map(() =>
        spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, go], {
          stdio: ['ignore', 'pipe', 'inherit'],
        }),
      );
      const outs = await Promise.all(
        kids.map(async (k) => {
          let out = '';
          k.stdout.on('data', (b: Buffer) => (out += b.toString()));
          await once(k, 'exit');
          return out;
        }),
      );
      assert.equal(outs.filter((o) => o === 'got').length, 1, `round ${round}: ${outs.join(' / ')}`);
    }
  });
});
