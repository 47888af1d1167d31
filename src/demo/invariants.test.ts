import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInvariants, haltIntervals, type InvariantInput } from './invariants.js';
import type { AcceptedOrder } from './venue.js';

const order = (cid: string, acceptedAt: number, reduceOnly = false): AcceptedOrder => ({
  clientOrderId: cid,
  side: reduceOnly ? 'sell' : 'buy',
  amount: 1,
  reduceOnly,
  acceptedAt,
  status: 'closed',
});

/** A clean run: two placed intents, one denied by the gate, one in the DLQ, one halt with a reduce-only sell in it. */
function clean(): InvariantInput {
  return {
    journal: [order('c1', 100), order('c2', 200), order('c5', 550, true)],
    intents: [
      { key: 'k1', state: 'placed', clientOrderId: 'c1', reason: null, attempts: 1 },
      { key: 'k2', state: 'placed', clientOrderId: 'c2', reason: null, attempts: 2 },
      { key: 'k3', state: 'denied', clientOrderId: 'c3', reason: 'halted_deny_new_risk', attempts: 0 },
      { key: 'k4', state: 'dead', clientOrderId: 'c4', reason: 'E_RETRIES', attempts: 3 },
      { key: 'k5', state: 'placed', clientOrderId: 'c5', reason: null, attempts: 1 },
    ],
    dlq: [{ key: 'k4', status: 'open' }],
    botIntents: ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'],
    gate: [
      { key: 'k1', allow: true, layer: 'gate', reason: 'allowed', ts: 90 },
      { key: 'k2', allow: true, layer: 'gate', reason: 'allowed', ts: 190 },
      { key: 'k3', allow: false, layer: 'killSwitch', reason: 'halted_deny_new_risk', ts: 520 },
      { key: 'k5', allow: true, layer: 'gate', reason: 'allowed', ts: 540 },
    ],
    halts: haltIntervals([
      { action: 'trip', at: 500 },
      { action: 'resume', at: 600 },
    ]),
    reconciliations: [{ at: 300, ok: true, adopted: { BTC: 2 }, venue: { BTC: 2 }, acceptedSince: 0 }],
    decisionLogProblem: null,
  };
}

describe('the soak invariant checker', () => {
  it('passes a clean run and counts it', () => {
    const r = checkInvariants(clean());
    assert.deepEqual(r.violations, []);
    assert.equal(r.counts.duplicates, 0);
    assert.equal(r.counts.neverClaimed, 1, 'k6 never reached the store: nothing was sent');
    assert.equal(r.counts.reduceOnlyWhileHalted, 1);
    assert.deepEqual(r.counts.deniedByLayer, { killSwitch: 1 });
    assert.equal(r.counts.retried, 2);
  });

  it('FAILS on a planted duplicate: one client order id accepted twice by the venue', () => {
    const input = clean();
    const r = checkInvariants({ ...input, journal: [...input.journal, order('c2', 250)] });
    assert.equal(r.counts.duplicates, 1);
    assert.ok(
      r.violations.some((v) => v.startsWith('duplicate: client order id c2')),
      r.violations.join('\n'),
    );
  });

  it('FAILS on a planted order accepted while the kill switch was engaged (not reduce-only, decided after the trip)', () => {
    const input = clean();
    const r = checkInvariants({
      ...input,
      journal: [...input.journal, order('c7', 560)],
      intents: [
        ...input.intents,
        { key: 'k7', state: 'placed', clientOrderId: 'c7', reason: null, attempts: 1 },
      ],
      botIntents: [...input.botIntents, 'k7'],
      gate: [...input.gate, { key: 'k7', allow: true, layer: 'gate', reason: 'allowed', ts: 555 }],
    });
    assert.equal(r.counts.acceptedWhileHalted, 1);
    assert.ok(
      r.violations.some((v) => v.startsWith('halted: venue accepted buy 1 (c7)')),
      r.violations.join('\n'),
    );
  });

  it('lets through an order the gate allowed before the trip that the venue accepted just after it', () => {
    const input = clean();
    const r = checkInvariants({
      ...input,
      journal: [...input.journal, order('c8', 505)],
      intents: [
        ...input.intents,
        { key: 'k8', state: 'placed', clientOrderId: 'c8', reason: null, attempts: 1 },
      ],
      botIntents: [...input.botIntents, 'k8'],
      gate: [...input.gate, { key: 'k8', allow: true, layer: 'gate', reason: 'allowed', ts: 495 }],
    });
    assert.deepEqual(r.violations, []);
  });

  it('FAILS on an intent lost between the store and the venue, an unlogged denial, an orphan order', () => {
    const input = clean();
    const r = checkInvariants({
      ...input,
      journal: [...input.journal.filter((o) => o.clientOrderId !== 'c1'), order('zz', 150)],
      gate: input.gate.filter((g) => g.key !== 'k3'),
      dlq: [],
    });
    const text = r.violations.join('\n');
    assert.match(text, /lost: intent k1 is placed but the venue has 0 orders/);
    assert.match(text, /unlogged: intent k3 denied/);
    assert.match(text, /lost: intent k4 failed \(dead\) but is not in the DLQ/);
    assert.match(text, /orphan: venue order zz/);
  });

  it('FAILS when the reconciled state differs from the venue, a reconciliation failed, or the log does not verify', () => {
    const input = clean();
    const r = checkInvariants({
      ...input,
      reconciliations: [{ at: 300, ok: false, adopted: { BTC: 1 }, venue: { BTC: 2 }, acceptedSince: 0 }],
      decisionLogProblem: 'hash_mismatch at x:3',
    });
    const text = r.violations.join('\n');
    assert.match(text, /reconcile: adopted BTC 1 but the venue holds 2/);
    assert.match(text, /did not succeed/);
    assert.match(text, /decision log: hash_mismatch/);
  });

  it('an unfinished intent at the end is a violation', () => {
    const input = clean();
    const r = checkInvariants({
      ...input,
      intents: input.intents.map((i) => (i.key === 'k2' ? { ...i, state: 'in_flight' } : i)),
    });
    assert.ok(r.violations.some((v) => v === 'unresolved: intent k2 is still in_flight'));
  });
});
