import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Leadership, type LeaderDuty, type LeaderLock } from './leadership.js';
import { DataDirLeaderLock } from './data-dir-leader-lock.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A duty that records when it runs. */
function duty(name: string, log: string[]): LeaderDuty {
  return {
    name,
    start() {
      log.push(`start ${name}`);
      return { close: () => void log.push(`stop ${name}`) };
    },
  };
}

const waitFor = async (pred: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('Leadership', () => {
  it('runs the duties in one holder of the data dir lock; the other takes over when it lets go', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-leader-'));
    const log: string[] = [];
    const a = new Leadership({
      lock: new DataDirLeaderLock(dir),
      duties: [duty('a', log)],
      retryMs: 20,
      log: quiet,
    });
    const b = new Leadership({
      lock: new DataDirLeaderLock(dir),
      duties: [duty('b', log)],
      retryMs: 20,
      log: quiet,
    });
    await a.start();
    await b.start();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual([a.leading, b.leading], [true, false]);
    assert.deepEqual(log, ['start a']);
    await a.close();
    await waitFor(() => b.leading, 'b to lead');
    assert.deepEqual(log, ['start a', 'stop a', 'start b']);
    await b.close();
    assert.deepEqual(log, ['start a', 'stop a', 'start b', 'stop b']);
  });

  it('stops the duties when another process holds the lock file now, and takes a vanished one again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-leader-'));
    const log: string[] = [];
    const warned: string[] = [];
    const lock = new DataDirLeaderLock(dir);
    const l = new Leadership({
      lock,
      duties: [duty('d', log)],
      retryMs: 20,
      log: { ...quiet, warn: (m) => warned.push(m) },
    });
    await l.start();
    assert.ok(l.leading);
    unlinkSync(lock.path);
    await waitFor(() => warned.some((w) => w.includes('taken again')), 'the lock to be taken again');
    assert.ok(l.leading);
    assert.deepEqual(log, ['start d'], 'the duties ran on');
    // Replaced by a live process that is not this one (pid 1 is always alive).
    writeFileSync(`${lock.path}.other`, '1');
    renameSync(`${lock.path}.other`, lock.path);
    await waitFor(() => !l.leading, 'the lead to be lost');
    assert.deepEqual(log, ['start d', 'stop d']);
    assert.match(warned.at(-1)!, /no longer leading: .*now held by pid 1/);
    await l.close();
  });

  it('stops at once when the lock says it is lost (a database session that died)', async () => {
    const log: string[] = [];
    let lost: ((why: string) => void) | undefined;
    let free = true;
    const lock: LeaderLock = {
      describe: 'scripted lock',
      tryAcquire: () => Promise.resolve(free ? { held: true } : { held: false, holder: 'another daemon' }),
      check: () => Promise.resolve(null),
      onLost(listener) {
        lost = listener;
        return { dispose: () => (lost = undefined) };
      },
      release: () => Promise.resolve(),
    };
    const l = new Leadership({ lock, duties: [duty('d', log)], retryMs: 60_000, log: quiet });
    await l.start();
    assert.ok(l.leading);
    free = false;
    lost!('connection terminated');
    await waitFor(() => log.length === 2, 'the duty to stop');
    assert.equal(l.leading, false);
    await l.close();
    assert.equal(lost, undefined, 'the listener is disposed');
  });
});

describe('DataDirLeaderLock', () => {
  it('leads, degraded and said so, when the lock file cannot be written: a watchdog is never left unrun', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'warden-leader-')), 'missing');
    const warned: string[] = [];
    const log: string[] = [];
    const l = new Leadership({
      lock: new DataDirLeaderLock(dir),
      duties: [duty('watchdog', log)],
      retryMs: 20,
      log: { ...quiet, warn: (m) => warned.push(m) },
    });
    await l.start();
    assert.ok(l.leading);
    assert.deepEqual(log, ['start watchdog']);
    assert.match(warned[0]!, /leader lock: cannot write .*daemon\.lock .*leading without the lock/);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(l.leading, 'still leading on later checks');
    await l.close();
  });
});
