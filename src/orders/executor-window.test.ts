// Issue 8, item 1 at the executor: an "absent" is believed only after the receive window.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { clientOrderIdFor } from './client-order-id.js';
import { SYMBOL, createRig, destroyRig, intent, market, virtualTime, type Rig } from './executor-test-rig.js';

let rig: Rig;
beforeEach(() => {
  rig = createRig();
});
afterEach(() => destroyRig(rig));

const ordersWith = (cid: string) => rig.sim.allOrders().filter((o) => o.clientOrderId === cid);

describe('an absence is believed only after the receive window (issue 8, item 1)', () => {
  it('after its own timeout, a request the venue accepts late is found by waiting, never resent', async () => {
    const v = virtualTime(rig);
    rig.sim.faults.configure({ retryAfterMs: 1, acceptDelayMs: 50 });
    rig.sim.faults.injectNext('delayed_accept', { operation: 'createOrder' });
    const r = await v.drive(v.executor.submit(market('m1')));
    assert.equal(r.status, 'placed', JSON.stringify(r));
    assert.equal(rig.sim.allOrders().length, 1, 'one filled order, not two');
    assert.equal((await rig.stores.orders.get('m1'))?.attempts, 1, 'never resent');
  });

  it('a request that lands past its window is refused by the venue (-1021), so the resend after the window is the only order', async () => {
    const v = virtualTime(rig);
    rig.sim.faults.configure({ retryAfterMs: 1, acceptDelayMs: 400 });
    rig.sim.faults.injectNext('delayed_accept', { operation: 'createOrder' });
    const r = await v.drive(v.executor.submit(market('m2')));
    assert.equal(r.status, 'placed', JSON.stringify(r));
    assert.equal(rig.sim.allOrders().length, 1);
    const rec = await rig.stores.orders.get('m2');
    assert.equal(rec?.attempts, 2, 'resent once, after the window closed');
  });

  it('a takeover of a dead owner waits out its send window: the late request is adopted, nothing resent', async () => {
    const v = virtualTime(rig);
    rig.sim.faults.configure({ retryAfterMs: 1, acceptDelayMs: 100 });
    const { canonicalPayload, payloadHash } = await import('./intent.js');
    const payload = canonicalPayload(market('t1'));
    const cid = clientOrderIdFor('t1', rig.clock.now());
    // another process claimed t1, sent it, and was killed; the venue holds the request
    await rig.stores.orders.claim({
      idempotencyKey: 't1',
      payloadHash: payloadHash(payload),
      payload,
      clientOrderId: cid,
      owner: `${hostname()}:999999999:dead`,
      leaseUntil: rig.clock.now() + 60_000,
      now: rig.clock.now(),
    });
    rig.sim.faults.injectNext('delayed_accept', { operation: 'createOrder' });
    await assert.rejects(
      v.exchange.createOrder({
        symbol: SYMBOL,
        side: 'buy',
        type: 'market',
        amount: 1,
        clientOrderId: cid,
        sentAt: rig.clock.now(),
      }),
      { name: 'RequestTimeout' },
    );
    const r = await v.drive(v.executor.submit(market('t1')));
    assert.equal(r.status, 'placed', JSON.stringify(r));
    assert.equal(ordersWith(cid).length, 1, 'one order for the client id at the venue');
    assert.equal((await rig.stores.orders.get('t1'))?.attempts, 1, 'the taker never sent');
  });

  it('an outcome_unknown DLQ entry is closed when a later submit confirms the order was placed', async () => {
    const ex = rig.executor();
    rig.sim.faults.injectNext('timeout_after_accept', { operation: 'createOrder' });
    rig.sim.faults.injectNext('http_5xx', { operation: 'fetchOrder', times: 5 });
    await assert.rejects(ex.submit(intent('u1')), { code: 'E_AMBIGUOUS' });
    const entry = await rig.stores.dlq.openFor('u1');
    assert.equal(entry?.reason, 'outcome_unknown');
    const r = await ex.submit(intent('u1'));
    assert.equal(r.status, 'placed');
    assert.equal(await rig.stores.dlq.openFor('u1'), null, 'not both placed and in the DLQ');
    const closed = await rig.stores.dlq.get(entry.id);
    assert.equal(closed?.status, 'placed');
    assert.match(closed?.note ?? '', /confirmed placed as/);
    assert.equal(rig.sim.allOrders().length, 1);
  });
});
