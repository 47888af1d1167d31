// `warden demo` as a user runs it: to its summary with duplicates 0 (counted from the venue's own
// record) and a decision log `warden log verify` accepts; Ctrl-C leaves no child process behind.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'src', 'cli', 'main.ts');

function startDemo(args: string[]) {
  const p = spawn(process.execPath, ['--import', 'tsx', CLI, 'demo', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (c: Buffer) => (out += c.toString()));
  p.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  return { p, exited, output: () => out };
}

async function until(pred: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('warden demo', { timeout: 600_000 }, () => {
  it('runs to its summary with duplicates 0, and its decision log verifies', async () => {
    const d = startDemo(['--duration', '5', '--scenario', 'timeout,kill']);
    const code = await d.exited;
    const out = d.output();
    assert.equal(code, 0, out);
    assert.match(out, /Summary/);
    assert.match(out, /duplicates \(venue record\)\s+0\n/);
    assert.match(out, /restarted bot reconciled: OK/);
    const log = /Decision log: (\S+)/.exec(out)?.[1];
    assert.ok(log, out);
    const v = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'log', 'verify', log], { cwd: ROOT });
    assert.equal(v.status, 0, v.stdout.toString() + v.stderr.toString());
  });

  it('Ctrl-C stops everything: no process it started is left alive', async () => {
    const d = startDemo(['--duration', '60']);
    await until(() => /daemon \(warden serve.*\(pid \d+\)/.test(d.output()), 300_000);
    const pids = [...d.output().matchAll(/\(pid (\d+)/g)].map((m) => Number(m[1]));
    assert.ok(pids.length >= 2, d.output());
    assert.ok(pids.every(alive), 'the bot and the daemon run');
    d.p.kill('SIGINT');
    await d.exited;
    await until(() => !pids.some(alive), 10_000);
  });
});
