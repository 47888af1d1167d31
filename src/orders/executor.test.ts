import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ExchangeSimulator, InProcessExchange, InvalidNonce, type FaultKind } from '../exchange/index.js';
import { RetryPolicy, TimeoutPolicy, constantBackoff, wrap, type Timers } from '../resilience/index.js';
import { FakeTimers } from '../resilience/fake-timers.js';
import { SqliteStore } from '../store/index.js';
import { ManualClock } from '../util/clock.js';
import { clientOrderIdFor, CLIENT_ORDER_ID_PATTERN } from './client-order-id.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { Executor } from './executor.js';
import { classifyOrderFailure, defaultOrderPolicy } from './executor-options.js';
import { ReadinessLatch } from './readiness.js';
import { createSqliteOrderStores, type SqliteOrderStores } from './sqlite-order-stores.js';
import type { GateDecision, OrderIntent } from './types.js';

const SYMBOL = 'BTC/USDT';
const RECV_WINDOW_MS = 200;
const allow = (): GateDecision => ({ allow: true, reason: 'running' });

interface Rig {
  dir: string;
  store: SqliteStore;
  stores: SqliteOrderStores;
  sim: ExchangeSimulator;
  exchange: InProcessExchange;
  clock: ManualClock;
  alerts: { key: string; title: string }[];
  executor(over?: Partial<ConstructorParameters<typeof Executor>[0]>): Executor;
}

let rig: Rig;

// Referenced timers: the system ones are unref'd, and a test awaiting only them would end early.
const timers: Timers = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

function fastPolicy() {
  return wrap(
    new RetryPolicy({
      sideEffect: true,
      maxAttempts: 3,
      backoff: constantBackoff(1),
      classify: classifyOrderFailure,
      timers,
    }),
    new TimeoutPolicy({ ms: 2_000, mode: 'abandon', timers }),
  );
}

beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-exec-'));
  const store = SqliteStore.open(join(dir, 'warden.db'));
  const stores = createSqliteOrderStores(store.database);
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
  const sim = new ExchangeSimulator({
    markets: [{ symbol: SYMBOL, mid: 100, spreadBps: 10 }],
    balances: { USDT: 1_000_000, BTC: 100 },
    positions: { [SYMBOL]: { amount: 10, entryPrice: 90 } },
    clock,
    seed: 7,
    faults: { retryAfterMs: 1 },
  });
  // a short receive window, so a lookup's "absent" is believed after 200 ms of real time
  const exchange = new InProcessExchange(sim, {
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    recvWindowMs: RECV_WINDOW_MS,
  });
  const alerts: { key: string; title: string }[] = [];
  rig = {
    dir,
    store,
    stores,
    sim,
    exchange,
    clock,
    alerts,
    executor: (over = {}) =>
      new Executor({
        exchange,
        orders: stores.orders,
        dlq: stores.dlq,
        symbols: [SYMBOL],
        gate: allow,
        policy: fastPolicy(),
        lookupBackoff: constantBackoff(1),
        clock,
        timers,
        dlqAlertThreshold: 0,
        clockMarginMs: 0,
        alerts: { alert: (a) => Promise.resolve(void alerts.push({ key: a.key, title: a.title })) },
        ...over,
      }),
  };
});

afterEach(async () => {
  await rig.stores.close();
  await rig.store.close();
  rmSync(rig.dir, { recursive: true, force: true });
});

const intent = (key: string, over: Partial<OrderIntent> = {}): OrderIntent => ({
  idempotencyKey: key,
  symbol: SYMBOL,
  side: 'buy',
  type: 'limit',
  amount: 1,
  price: 90,
  ...over,
});

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

/**
 * The rig on virtual time: the executor's timers, its policy and the venue's delays all run on
 * one `FakeTimers` over the rig's clock, so "the venue accepts 50 ms later" and "the executor
 * waits out the 200 ms receive window" happen in a fixed order, without sleeping.
 */
function virtualTime() {
  const ft = new FakeTimers(rig.clock);
  const exchange = new InProcessExchange(rig.sim, {
    sleep: (ms) => new Promise((r) => void ft.setTimeout(r, ms)),
    recvWindowMs: RECV_WINDOW_MS,
  });
  const policy = wrap(
    new RetryPolicy({
      sideEffect: true,
      maxAttempts: 3,
      backoff: constantBackoff(1),
      classify: classifyOrderFailure,
      timers: ft,
    }),
    new TimeoutPolicy({ ms: 2_000, mode: 'abandon', timers: ft }),
  );
  const executor = rig.executor({ exchange, policy, timers: ft });
  /** Runs virtual time until `p` settles, then 1 s more (whatever the venue still holds lands). */
  const drive = async <T>(p: Promise<T>): Promise<T> => {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    for (let i = 0; i < 5_000 && !done; i++) await ft.advance(5);
    await ft.advance(1_000);
    return p;
  };
  return { ft, exchange, executor, drive };
}

const market = (key: string) => intent(key, { type: 'market', price: undefined });

describe('an absence is believed only after the receive window (issue 8, item 1)', () => {
  it('after its own timeout, a request the venue accepts late is found by waiting, never resent', async () => {
    const v = virtualTime();
    rig.sim.faults.configure({ retryAfterMs: 1, acceptDelayMs: 50 });
    rig.sim.faults.injectNext('delayed_accept', { operation: 'createOrder' });
    const r = await v.drive(v.executor.submit(market('m1')));
    assert.equal(r.status, 'placed', JSON.stringify(r));
    assert.equal(rig.sim.allOrders().length, 1, 'one filled order, not two');
    assert.equal((await rig.stores.orders.get('m1'))?.attempts, 1, 'never resent');
  });

  it('a request that lands past its window is refused by the venue (-1021), so the resend after the window is the only order', async () => {
    const v = virtualTime();
    rig.sim.faults.configure({ retryAfterMs: 1, acceptDelayMs: 400 });
    rig.sim.faults.injectNext('delayed_accept', { operation: 'createOrder' });
    const r = await v.drive(v.executor.submit(market('m2')));
    assert.equal(r.status, 'placed', JSON.stringify(r));
    assert.equal(rig.sim.allOrders().length, 1);
    const rec = await rig.stores.orders.get('m2');
    assert.equal(rec?.attempts, 2, 'resent once, after the window closed');
  });

  it('a takeover of a dead owner waits out its send window: the late request is adopted, nothing resent', async () => {
    const v = virtualTime();
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

describe('defaultOrderPolicy (issue 8, item 16)', () => {
  it('retries with full jitter: each wait is the injected random share of 200 ms, 400 ms, … (capped at 2 s)', async () => {
    const waits = async (random: () => number): Promise<number[]> => {
      const seen: number[] = [];
      const recording: Timers = {
        setTimeout: (cb, ms) => {
          if (ms !== 10_000) seen.push(ms); // 10 s is the per-attempt timeout, not a backoff
          return setTimeout(cb, 0);
        },
        clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      };
      let n = 0;
      const out = await defaultOrderPolicy({ timers: recording, random }).execute(async () => {
        // refused for good by the venue (-1021): safe to retry, so the retry's backoff is what runs
        if (n++ < 2) throw new InvalidNonce('Timestamp for this request is outside of the recvWindow.');
        return 'placed';
      });
      assert.equal(out, 'placed');
      return seen;
    };
    assert.deepEqual(await waits(() => 0.25), [50, 100]);
    assert.deepEqual(await waits(() => 0.75), [150, 300]);
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
