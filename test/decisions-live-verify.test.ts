// Verify on a log that a real process is appending to right now: every check passes and the head
// only moves forward. (A batch caught half-written at the end of the newest file would count as a
// write in progress, since its writer holds the lock; src/decisions/verify.test.ts covers that rule.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { verifyDecisionLog } from '../src/decisions/index.js';

const WRITER = join(import.meta.dirname, 'helpers', 'decisions-writer.ts');

describe('verify while a writer appends', () => {
  it('passes every time and the head only moves forward', async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'warden-dlog-live-'));
    const dir = join(root, 'decisions');
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('ack ')) resolve(); // a first decision is durable
        });
        child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
      });
      let last = 0;
      let inProgress = 0;
      const deadline = Date.now() + 4000;
      let checks = 0;
      while (Date.now() < deadline) {
        const v = verifyDecisionLog(dir);
        assert.ok(v.ok, `check ${checks}: ${JSON.stringify(v)}`);
        assert.ok(v.head.seq >= last, 'the head never goes back');
        last = v.head.seq;
        if (v.inProgressBytes > 0) inProgress++;
        checks++;
        await new Promise((r) => setImmediate(r));
      }
      t.diagnostic(
        `${checks} checks during appends, ${inProgress} caught a batch mid-write, head seq ${last}`,
      );
      assert.ok(last > 0 && checks > 10);
    } finally {
      child.kill('SIGKILL');
      await exited;
      rmSync(root, { recursive: true, force: true });
    }
  });
});
