import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { FaultKind, InProcessExchange } from '../exchange/index.js';
import { SqliteStore } from '../store/index.js';
import { clientOrderIdFor, CLIENT_ORDER_ID_PATTERN } from './client-order-id.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { SYMBOL, createRig, destroyRig, intent, type Rig } from './executor-test-rig.js';
import { ReadinessLatch } from './readiness.js';
import type { OrderIntent } from './types.js';

let rig: Rig;
beforeEach(() => {
  rig = createRig();
});
afterEach(() => destroyRig(rig));

const ordersWith = (cid: string) => rig.sim.allOrders().filter((o) => o.clientOrderId === cid);

describe('Executor.submit', () => {
  it('places an order once; a repeat returns the first result without sending', async () => {
    const ex = rig.executor();
    const a = await ex.submit(intent('k1'));
    assert.equal(a.status, 'placed');
    const b = await ex.submit(intent('k1'));
    assert.equal(b.status, 'placed');
    if (a.status === 'placed' && b.status === 'placed') {
      assert.equal(b.replayed, true);
      assert.equal(b.order.id, a.order.id);
      assert.equal(ordersWith(a.clientOrderId).length, 1);
    }
    assert.equal(rig.sim.allOrders().length, 1);
    assert.equal((await rig.stores.orders.get('k1'))?.state, 'placed');
  });

  it('the same key with a different order is E_IDEMPOTENCY_MISMATCH, nothing sent', async () => {
    const ex = rig.executor();
    await ex.submit(intent('k1'));
    await assert.rejects(ex.submit(intent('k1', { amount: 2 })), { code: 'E_IDEMPOTENCY_MISMATCH' });
    assert.equal(rig.sim.allOrders().length, 1);
  });

  it('a repeat while the first is in flight is E_IN_FLIGHT, not a second order', async () => {
    rig.sim.faults.configure({ latencyMs: 20, retryAfterMs: 1 });
    const ex = rig.executor();
    const first = ex.submit(intent('k1'));
    const second = ex.submit(intent('k1'));
    await assert.rejects(second, { code: 'E_IN_FLIGHT' });
    assert.equal((await first).status, 'placed');
    assert.equal(rig.sim.allOrders().length, 1);
  });

  it('persists the intent as pending before anything is sent', async () => {
    const seen: (string | undefined)[] = [];
    const ex = rig.executor({
      exchange: new Proxy(rig.exchange, {
        get(target, prop, receiver) {
          if (prop === 'createOrder')
            return async (...args: Parameters<InProcessExchange['createOrder']>) => {
              const other = SqliteStore.open(join(rig.dir, 'warden.db'));
              const row = other.database
                .prepare('SELECT state FROM order_intents WHERE idempotency_key = ?')
                .get('k1') as { state: string } | undefined;
              seen.push(row?.state);
              await other.close();
              return target.createOrder(...args);
            };
          return Reflect.get(target, prop, receiver) as unknown;
        },
      }),
    });
    await ex.submit(intent('k1'));
    assert.deepEqual(seen, ['pending']); // read through another connection: committed, not just queued
  });

  for (const kind of [
    'timeout_after_accept',
    'timeout_before_accept',
    'http_5xx',
    'http_429',
    'disconnect',
  ] as FaultKind[]) {
    it(`${kind} on create: exactly one order, the intent placed`, async () => {
      rig.sim.faults.injectNext(kind, { operation: 'createOrder' });
      const r = await rig.executor().submit(intent('k1'));
      assert.equal(r.status, 'placed', JSON.stringify(r));
      if (r.status === 'placed') assert.equal(ordersWith(r.clientOrderId).length, 1);
      assert.equal(rig.sim.allOrders().length, 1);
      assert.equal(rig.sim.faults.injected()[kind], 1);
    });
  }

  it('a timeout after acceptance of a market order (already filled, client id free again) is not sent twice', async () => {
    rig.sim.faults.injectNext('timeout_after_accept', { operation: 'createOrder', times: 1 });
    rig.sim.faults.injectNext('http_5xx', { operation: 'fetchOrder', times: 2 }); // the lookup itself fails twice first
    const r = await rig.executor().submit(intent('m1', { type: 'market', price: undefined }));
    assert.equal(r.status, 'placed');
    assert.equal(rig.sim.allOrders().length, 1);
    assert.equal(rig.sim.allOrders()[0]?.status, 'closed');
  });

  it('an unresolvable ambiguity is never resent: E_AMBIGUOUS, DLQ entry, the intent left for resolution', async () => {
    rig.sim.faults.injectNext('timeout_after_accept', { operation: 'createOrder' });
    rig.sim.faults.injectNext('http_5xx', { operation: 'fetchOrder', times: 5 });
    const ex = rig.executor();
    await assert.rejects(ex.submit(intent('k1')), { code: 'E_AMBIGUOUS' });
    assert.equal(rig.sim.allOrders().length, 1);
    const row = await rig.stores.orders.get('k1');
    assert.equal(row?.state, 'pending');
    assert.ok((row?.leaseUntil ?? Infinity) <= rig.clock.now());
    assert.equal((await rig.stores.dlq.openFor('k1'))?.errorClass, 'ambiguous');
    // the repeat resolves it by asking the venue, and does not send again
    const again = await ex.submit(intent('k1'));
    assert.equal(again.status, 'placed');
    assert.equal(rig.sim.allOrders().length, 1);
  });

  it('a venue rejection is final: rejected, in the DLQ with its error; a repeat returns it', async () => {
    const ex = rig.executor();
    const r = await ex.submit(intent('big', { amount: 1e9 }));
    assert.equal(r.status, 'rejected');
    const entry = await rig.stores.dlq.openFor('big');
    assert.equal(entry?.errors.at(-1)?.name, 'InsufficientFunds');
    assert.equal(entry?.errorClass.endsWith('not_retryable'), true);
    const again = await ex.submit(intent('big', { amount: 1e9 }));
    assert.equal(again.status, 'rejected');
    assert.equal(rig.sim.allOrders().filter((o) => o.status !== 'rejected').length, 0);
  });

  it('retries exhausted: dead, in the DLQ with every error and the attempt count, alert past the threshold', async () => {
    rig.sim.faults.injectNext('http_5xx', { operation: 'createOrder', times: 3 });
    const r = await rig.executor().submit(intent('k1'));
    assert.equal(r.status, 'dead');
    const e = await rig.stores.dlq.openFor('k1');
    assert.equal(e?.attempts, 3);
    assert.equal(e?.errors.filter((x) => x.name === 'ExchangeNotAvailable').length >= 3, true);
    assert.match(rig.alerts[0]?.key ?? '', /^orders\.dlq\.size\.\d+$/);
    assert.equal(rig.sim.allOrders().length, 0);
  });

  it('bad inputs are refused with the field named; nothing stored, nothing sent', async () => {
    const ex = rig.executor();
    const bad: [Partial<OrderIntent>, string][] = [
      [{ amount: -1 }, 'amount'],
      [{ amount: NaN }, 'amount'],
      [{ amount: Infinity }, 'amount'],
      [{ price: NaN }, 'price'],
      [{ price: -5 }, 'price'],
      [{ type: 'market', price: -5 }, 'price'],
      [{ symbol: 'DOGE/EUR' }, 'symbol'],
      [{ side: 'hold' as 'buy' }, 'side'],
      [{ idempotencyKey: '' }, 'idempotencyKey'],
      [{ idempotencyKey: 'has space' }, 'idempotencyKey'],
    ];
    for (const [over, field] of bad) {
      await assert.rejects(ex.submit(intent('bad', over)), { code: 'E_INVALID_INTENT', field });
    }
    assert.equal(await rig.stores.orders.get('bad'), null);
    assert.equal(rig.sim.allOrders().length, 0);
  });

  it('a denied intent is stored with its reason; reduce-only passes a halted kill switch; a later allowed repeat is placed', async () => {
    let halted = true;
    const ks = {
      allows: (effect: 'new_risk' | 'reduce_only' | 'cancel') =>
        !halted
          ? { allow: true, reason: 'running' }
          : effect === 'new_risk'
            ? { allow: false, reason: 'halted_deny_new_risk' }
            : { allow: true, reason: 'halted_allow_reduce_only' },
    };
    const ex = rig.executor({ gate: undefined, killSwitch: ks });
    const d = await ex.submit(intent('k1'));
    assert.deepEqual(d, { status: 'denied', idempotencyKey: 'k1', reason: 'halted_deny_new_risk' });
    assert.equal((await rig.stores.orders.get('k1'))?.reason, 'halted_deny_new_risk');
    const reduce = await ex.submit(intent('r1', { side: 'sell', reduceOnly: true, price: 200 }));
    assert.equal(reduce.status, 'placed');
    halted = false;
    assert.equal((await ex.submit(intent('k1'))).status, 'placed');
    assert.equal(rig.sim.allOrders().length, 2);
  });

  it('denies new risk with reconciliation_pending until reconciliation has succeeded', async () => {
    const readiness = new ReadinessLatch();
    const ex = rig.executor({ readiness });
    assert.deepEqual(await ex.submit(intent('k1')), {
      status: 'denied',
      idempotencyKey: 'k1',
      reason: 'reconciliation_pending',
    });
    readiness.markReady(rig.clock.now());
    assert.equal((await ex.submit(intent('k1'))).status, 'placed');
  });

  it('a stale claim of a dead owner is resolved by asking the venue, never by a blind resend', async () => {
    const ex = rig.executor();
    // another process claimed k1, sent it, and died before recording the ack
    const cid = clientOrderIdFor('k1', rig.clock.now());
    await rig.stores.orders.claim({
      idempotencyKey: 'k1',
      payloadHash: (await import('./intent.js')).payloadHash(
        (await import('./intent.js')).canonicalPayload(intent('k1')),
      ),
      payload: (await import('./intent.js')).canonicalPayload(intent('k1')),
      clientOrderId: cid,
      owner: 'elsewhere:1:x',
      leaseUntil: rig.clock.now() + 1_000,
      now: rig.clock.now(),
    });
    await rig.exchange.createOrder({
      symbol: SYMBOL,
      side: 'buy',
      type: 'limit',
      amount: 1,
      price: 90,
      clientOrderId: cid,
    });
    await assert.rejects(ex.submit(intent('k1')), { code: 'E_IN_FLIGHT' }); // lease still held
    rig.clock.advance(1_001);
    const r = await ex.submit(intent('k1'));
    assert.equal(r.status, 'placed');
    assert.equal(ordersWith(cid).length, 1);
  });

  it('client order ids: deterministic, dated, within Binance limits, unique across days', () => {
    const t = Date.UTC(2026, 10, 24);
    const a = clientOrderIdFor('strategy-1:order-42', t);
    assert.equal(a, clientOrderIdFor('strategy-1:order-42', t));
    assert.match(a, CLIENT_ORDER_ID_PATTERN);
    assert.equal(a.length, 36);
    assert.ok(a.startsWith('w20261124-'));
    assert.notEqual(a, clientOrderIdFor('strategy-1:order-42', t + 86_400_000));
    assert.notEqual(a, clientOrderIdFor('strategy-1:order-43', t));
    assert.match(clientOrderIdFor('x', t, { maxLength: 32, separator: '' }), /^[a-zA-Z0-9]{32}$/);
  });
});

describe('DeadLetterQueue', () => {
  it('replay goes through the executor with the same key and cannot double an order', async () => {
    const ex = rig.executor();
    // a timeout after acceptance, then every lookup fails: unknown outcome, in the DLQ, order actually placed
    rig.sim.faults.injectNext('timeout_after_accept', { operation: 'createOrder' });
    rig.sim.faults.injectNext('http_5xx', { operation: 'fetchOrder', times: 5 });
    await assert.rejects(ex.submit(intent('k1')), { code: 'E_AMBIGUOUS' });
    const dlq = new DeadLetterQueue(rig.stores.dlq, { clock: rig.clock });
    const [entry] = await dlq.list({ status: 'open' });
    assert.ok(entry);
    const out = await dlq.replay(entry.id, ex);
    assert.equal(out.result.status, 'placed');
    assert.equal(out.entry.status, 'replayed');
    assert.equal(rig.sim.allOrders().length, 1);
    await assert.rejects(dlq.replay(entry.id, ex), { code: 'E_DLQ_ENTRY' });
  });

  it('replay of a dead intent sends it once; resolve needs a note', async () => {
    const ex = rig.executor();
    rig.sim.faults.injectNext('http_5xx', { operation: 'createOrder', times: 3 });
    const r = await ex.submit(intent('k1'));
    assert.equal(r.status, 'dead');
    const dlq = new DeadLetterQueue(rig.stores.dlq, { clock: rig.clock });
    const id = r.status === 'dead' ? (r.dlqId ?? 0) : 0;
    const [a, b] = await Promise.allSettled([dlq.replay(id, ex), dlq.replay(id, ex)]);
    assert.equal(
      [a, b].filter((x) => x.status === 'fulfilled' && x.value.result.status === 'placed').length,
      1,
    );
    assert.equal(rig.sim.allOrders().length, 1);
    await assert.rejects(dlq.resolve(id, ' '), RangeError);
    await assert.rejects(dlq.resolve(id, 'checked on the venue'), /is replayed: the order was placed/);
    assert.equal((await dlq.show(id)).note?.startsWith('replayed: placed as'), true, 'the note is kept');
    await assert.rejects(dlq.show(12345), { code: 'E_DLQ_ENTRY' });
  });
});
