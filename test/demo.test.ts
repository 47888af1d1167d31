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
  it('runs all nine steps to its summary: every step narrated, duplicates 0, its decision log verifies', async () => {
    const d = startDemo(['--duration', '15']);
    const code = await d.exited;
    const out = d.output();
    assert.equal(code, 0, out);
    // each step's heading, then the line that says it saw the outcome (a step that did not prints ✗)
    const steps: [string, RegExp][] = [
      ['The strategy degrades', /recovered on shadow trades: \S+ placed/],
      ['A timeout after acceptance', /venue's own record: 1 order with that id \(no double\)/],
      ['An order fails for good', /\$ warden dlq replay \d+ → /],
      ['An exchange 5xx storm', /breaker CLOSED → mode FULL/],
      ['A stale price feed', /fresh ticks again → mode FULL/],
      ['The session loss limit', /flattened with \d+ reduce-only sell\(s\).*: flat and halted/],
      ['The bot freezes', /the watchdog \(in the daemon\) saw the heartbeat go late: trading HALTED/],
      ['The bot is killed', /restarted bot reconciled: OK, .*adopted BTC (\S+) = venue \1\n/],
      ['A person looks, then resumes', /trading again: \S+ placed/],
    ];
    let at = 0;
    for (const [i, [heading, outcome]] of steps.entries()) {
      const h = out.indexOf(`${i + 1}. ${heading}`, at);
      assert.ok(h >= 0, `step ${i + 1} (${heading}) was not narrated, in order:\n${out}`);
      const next = i + 1 < steps.length ? out.indexOf(`${i + 2}. ${steps[i + 1]![0]}`, h) : out.length;
      assert.match(out.slice(h, next < 0 ? out.length : next), outcome, `step ${i + 1}:\n${out}`);
      at = h;
    }
    assert.doesNotMatch(out, /✗|VIOLATION/);
    assert.match(out, /Summary/);
    assert.match(out, /duplicates \(venue record\)\s+0\n/);
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
