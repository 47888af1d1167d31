// The gate over a decision log on a real, full filesystem (a 256 KiB tmpfs): every decision is
// appended until the disk fills; the log's write failure ("store not writable") then makes the
// gate deny new risk with a reason saying so, while reduce-only orders still pass, and the
// decisions already written verify.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DecisionLog, verifyDecisionLog } from '../src/decisions/index.js';
import { KillSwitchLayer, RiskLimitsLayer, createGate, type GateDecision } from '../src/gate/index.js';

let mnt: string;
before(() => {
  mnt = mkdtempSync(join(tmpdir(), 'warden-gate-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
});
after(() => {
  execFileSync('umount', [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

describe('gate with a decision log on a full disk', () => {
  it('fails closed for new risk once the log cannot write, and says so; reduce-only passes', async () => {
    const dir = join(mnt, 'decisions');
    const log = DecisionLog.open({ dir, flushIntervalMs: 2 });
    const errors: string[] = [];
    const gate = createGate({
      killSwitch: new KillSwitchLayer({ allows: () => ({ allow: true, reason: 'running' }) }),
      riskLimits: new RiskLimitsLayer({ maxOrderNotional: 1e9 }),
      decisions: log,
      onError: (e, where) => errors.push(`${where}: ${e.message}`),
    });
    const pad = 'x'.repeat(2000);
    let allowed = 0;
    let denied: GateDecision | null = null;
    for (let round = 0; denied === null && round < 2000; round++) {
      for (let k = 0; k < 8; k++) {
        const d = gate.check({ symbol: 'BTC/USDT', side: 'buy', amount: 1, price: 100, strategy: pad });
        if (!d.allow) {
          denied = d;
          break;
        }
        allowed++;
      }
      await sleep(5); // let the group commit write (and, once full, fail)
    }
    assert.ok(denied !== null, 'the gate kept allowing on a full disk');
    assert.deepEqual(
      { ...denied },
      {
        allow: false,
        layer: 'decisions',
        reason: 'decision_log_unwritable_fail_closed',
      },
    );
    assert.ok(allowed > 10, 'decisions were allowed and logged before the disk filled');
    assert.equal(log.state, 'failed');
    assert.match(gate.decisionLogError!.message, /ENOSPC/);
    assert.ok(
      errors.some((e) => e.startsWith('decisions: ') && /ENOSPC/.test(e)),
      errors.join('\n'),
    );
    const again = gate.check({ symbol: 'BTC/USDT', side: 'buy', amount: 1, price: 100 });
    assert.equal(again.reason, 'decision_log_unwritable_fail_closed', 'it stays closed');
    const reduce = gate.check({ symbol: 'BTC/USDT', side: 'sell', amount: 1, price: 100, reduceOnly: true });
    assert.equal(reduce.allow, true);
    const v = verifyDecisionLog(dir);
    assert.ok(v.ok, JSON.stringify(v));
    assert.ok(v.head.seq > 0);
    await log.close().catch(() => undefined);
  });
});
