// The chaos soak's short version (the full one is `npm run soak`, 10 minutes): random faults at
// seed 003's rates, the bot SIGKILLed at random moments and the daemon once; every invariant is
// checked against the venue's own record (src/demo/invariants.test.ts proves the checker can fail).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSoak } from '../src/demo/soak.js';

describe('the chaos soak (short)', { timeout: 600_000 }, () => {
  it('holds every invariant for 60 s of chaos: no duplicate, nothing lost, nothing accepted while halted', async () => {
    const lines: string[] = [];
    const r = await runSoak({ durationSec: 60, seed: 11, write: (l) => lines.push(l) });
    assert.deepEqual(r.violations, [], lines.join('\n'));
    assert.equal(r.counts.duplicates, 0);
    assert.ok(r.counts.venueOrders > 0, 'the bot traded');
    assert.ok(r.botKills >= 1 && r.daemonKills === 1, lines.join('\n'));
    assert.ok(r.counts.reconciliations >= 2, 'every restart reconciled');
  });
});
