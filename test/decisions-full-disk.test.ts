// A decision log on a real, full filesystem (a 256 KiB tmpfs): the append that cannot be written
// rejects its durability promise with a clear error, the log stops taking appends, and the file is
// left verifiable (no half line); once there is room again, a reopened log continues the chain.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DecisionLog,
  DecisionLogWriteError,
  listSegments,
  verifyDecisionLog,
  type DecisionHead,
} from '../src/decisions/index.js';

let mnt: string;
before(() => {
  mnt = mkdtempSync(join(tmpdir(), 'warden-dlog-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
});
after(() => {
  execFileSync('umount', [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

describe('decision log on a full disk', () => {
  it('rejects the durability promise, stops, and leaves a verifiable file', async () => {
    const dir = join(mnt, 'decisions');
    const log = DecisionLog.open({ dir, flushIntervalMs: 2 });
    const errors: Error[] = [];
    log.onError((e) => errors.push(e));
    let durable: DecisionHead | null = null;
    let failure: unknown = null;
    // Batches of decisions of uneven sizes, so the one that fills the disk is written in part.
    for (let i = 0; failure === null && i < 10_000; i++) {
      for (let k = 0; k < 4; k++) {
        try {
          log.append({ kind: 'gate', data: { i, k, pad: 'x'.repeat(500 + ((i * 131 + k * 17) % 3000)) } });
        } catch (err) {
          failure = err;
          break;
        }
      }
      if (failure !== null) break;
      try {
        durable = await log.append({ kind: 'gate', data: { i, durable: true } }, { durable: true });
      } catch (err) {
        failure = err;
      }
    }
    assert.ok(failure instanceof DecisionLogWriteError, `expected a write error, got ${String(failure)}`);
    assert.equal(failure.code, 'E_DECISION_LOG_WRITE');
    assert.equal((failure.cause as NodeJS.ErrnoException).code, 'ENOSPC');
    assert.match(failure.message, /write failed \(ENOSPC/);
    assert.equal(log.state, 'failed');
    assert.equal(errors.length, 1);
    assert.throws(() => log.append({ kind: 'gate', data: 'more' }), { code: 'E_DECISION_LOG_WRITE' });
    await assert.rejects(log.append({ kind: 'gate', data: 'more' }, { durable: true }), {
      code: 'E_DECISION_LOG_WRITE',
    });
    await assert.rejects(log.close(), { code: 'E_DECISION_LOG_WRITE' });
    assert.ok(durable !== null && durable.seq > 10, 'decisions were durable before the disk filled');

    // No half line: the chain verifies as it stands, and holds every durable decision.
    const seg = listSegments(dir).at(-1)!.path;
    assert.ok(readFileSync(seg).at(-1) === 0x0a, 'the file ends with a whole line');
    const v = verifyDecisionLog(dir);
    assert.ok(v.ok, JSON.stringify(v));
    assert.ok(v.head.seq >= durable.seq);

    // Room again (the operator grows the filesystem): the log reopens and continues the chain.
    execFileSync('mount', ['-o', 'remount,size=1m', mnt]);
    const again = DecisionLog.open({ dir });
    assert.equal(again.recovered, null, 'nothing torn to repair');
    assert.equal(again.head.seq, v.head.seq);
    const h = await again.append({ kind: 'state', data: { disk: 'ok again' } }, { durable: true });
    assert.equal(h.seq, v.head.seq + 1);
    await again.close();
    const after = verifyDecisionLog(dir);
    assert.ok(after.ok && after.head.seq === h.seq, JSON.stringify(after));
  });
});
