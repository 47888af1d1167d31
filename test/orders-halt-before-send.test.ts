// A halt that comes after the gate allowed an order and before the order was sent must stop it.
// Found by the nine-step demo (stop 17): the bot was frozen (SIGSTOP) between its executor's gate
// check and its createOrder; the watchdog tripped the kill switch meanwhile; on SIGCONT the bot
// sent with the decision taken before the freeze, and the venue accepted a buy 82 ms after the
// trip. The executor now re-reads the kill switch (store and STOP file, not its cache) just
// before each send of new risk (`Gate.confirm`). Each test here fails without that read.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import ccxt from 'ccxt';
import { listSegments, DecisionLog } from '../src/decisions/index.js';
import { KillSwitchLayer, RateLimitLayer, createGate } from '../src/gate/index.js';
import { KillSwitch } from '../src/killswitch/index.js';
import { createRig, destroyRig, intent, timers, type Rig } from '../src/orders/executor-test-rig.js';
import { classifyOrderFailure } from '../src/orders/index.js';
import {
  CircuitBreaker,
  ConsecutiveRule,
  RetryPolicy,
  TimeoutPolicy,
  isDependencyFailure,
  wrap,
} from '../src/resilience/index.js';
import { SqliteStore } from '../src/store/index.js';
import { afterClaim } from './helpers/after-claim.js';
import { spawnSubmitter } from './helpers/orders-child.js';
import { startHttpSimulator } from './helpers/orders-rig.js';
import { procState } from './helpers/proc-state.js';
import { until } from './helpers/until.js';

describe('a bot frozen between its gate check and its send (real processes, SIGSTOP)', () => {
  it('sends nothing after a trip made while it was stopped; the same freeze without a trip sends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-halt-send-'));
    const db = join(dir, 'warden.db');
    const { sim, server, url } = await startHttpSimulator();
    const other = SqliteStore.open(db); // the watchdog's side: another process's store
    const otherKs = await KillSwitch.open({ store: other, dataDir: dir, pollMs: 0, source: 'watchdog' });
    const bot = spawnSubmitter({
      db,
      url,
      keys: ['thawed', 'frozen'],
      killSwitch: dir,
      stopAfterClaim: true,
    });
    try {
      await bot.ready();
      for (const [key, trip] of [
        ['thawed', false],
        ['frozen', true],
      ] as const) {
        await until(`the bot to claim ${key}`, () => bot.lines.some((l) => l.claimed === key), 30_000);
        await until(
          `the bot to be stopped after claiming ${key}`,
          () => procState(bot.child.pid!) === 'T',
          10_000,
        );
        if (trip) await otherKs.trip({ reason: 'watchdog: no heartbeat', by: 'watchdog' });
        bot.child.kill('SIGCONT');
      }
      await bot.results(2);
      const exit = await bot.exited;
      assert.equal(exit.code, 0, exit.stderr);
      const status = Object.fromEntries(bot.lines.filter((l) => l.key).map((l) => [l.key, l.status]));
      assert.deepEqual(status, { thawed: 'placed', frozen: 'denied' });
      const sent = sim.allOrders().map((o) => o.clientOrderId);
      assert.equal(sent.length, 1, `the venue holds only the order sent before the trip: ${sent.join(', ')}`);
      const frozen = await other.orders.get('frozen');
      assert.equal(frozen?.state, 'denied');
      assert.equal(frozen?.reason, 'halted_deny_new_risk');
    } finally {
      if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
      await otherKs.close();
      await other.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the executor confirms new risk just before the send', () => {
  let rig: Rig;
  let ks: KillSwitch;
  let other: SqliteStore;
  let otherKs: KillSwitch;
  beforeEach(async () => {
    rig = createRig();
    // the bot's kill switch reads only when told (no poll); the other actor writes the same file and dir
    ks = await KillSwitch.open({ store: rig.store, dataDir: rig.dir, pollMs: 0, clock: rig.clock });
    other = SqliteStore.open(join(rig.dir, 'warden.db'));
    otherKs = await KillSwitch.open({ store: other, dataDir: rig.dir, pollMs: 0, source: 'watchdog' });
  });
  afterEach(async () => {
    await otherKs.close();
    await other.close();
    await ks.close();
    await destroyRig(rig);
  });

  it('a trip by another actor between the claim and the send: denied, logged before_send, counted once by the rate limit', async () => {
    const logDir = join(rig.dir, 'decisions');
    const log = DecisionLog.open({ dir: logDir });
    const gate = createGate({
      killSwitch: new KillSwitchLayer(ks),
      // one new-risk order per hour: a confirm that asked the rate limit again would deny the first order
      rateLimit: new RateLimitLayer({ overall: { limit: 1, windowMs: 3_600_000 } }),
      decisions: log,
      clock: rig.clock,
    });
    let tripped = false;
    const ex = rig.executor({
      gate,
      orders: afterClaim(rig.stores.orders, async (key) => {
        if (key !== 'late') return;
        await otherKs.trip({ reason: 'watchdog: no heartbeat', by: 'watchdog' });
        tripped = true;
      }),
    });
    assert.equal((await ex.submit(intent('first'))).status, 'placed', 'the rate limit counted it once');
    // a new window for the second order, so only the kill switch can deny it
    rig.clock.advance(3_600_001);
    assert.equal(ks.isHalted(), false);
    const r = await ex.submit(intent('late'));
    assert.ok(tripped);
    assert.deepEqual(r, { status: 'denied', idempotencyKey: 'late', reason: 'halted_deny_new_risk' });
    assert.deepEqual(
      rig.sim.allOrders().map((o) => o.clientOrderId),
      [(await rig.stores.orders.get('first'))!.clientOrderId],
      'nothing sent after the trip',
    );
    const row = await rig.stores.orders.get('late');
    assert.equal(row?.state, 'denied');
    // after a resume the same key is claimed again and sent
    const st = ks.state();
    assert.ok(st.halted);
    await ks.resume({ reason: 'checked', by: 'test', haltId: st.eventId });
    rig.clock.advance(3_600_001);
    const again = await rig.executor({ gate }).submit(intent('late'));
    assert.equal(again.status, 'placed', JSON.stringify(again));
    await log.close();
    const records = listSegments(logDir).flatMap((s) =>
      readFileSync(s.path, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { kind: string; data: Record<string, unknown> }),
    );
    const late = records.filter(
      (r) => r.kind === 'gate' && (r.data['intent'] as { idempotencyKey?: string }).idempotencyKey === 'late',
    );
    assert.deepEqual(
      late.map((r) => [r.data['allow'], r.data['stage'] ?? 'check', r.data['reason']]),
      [
        [true, 'check', 'allowed'],
        [false, 'before_send', 'halted_deny_new_risk'],
        [true, 'check', 'allowed'],
      ],
    );
  });

  it('a STOP file written between the claim and the send stops it too', async () => {
    const ex = rig.executor({
      gate: undefined,
      killSwitch: ks,
      orders: afterClaim(rig.stores.orders, () => {
        writeFileSync(join(rig.dir, 'STOP'), 'halt\n');
        return Promise.resolve();
      }),
    });
    assert.equal((await ex.submit(intent('k1'))).status, 'denied');
    assert.equal(rig.sim.allOrders().length, 0);
  });

  /**
   * The rig's exchange, whose first send trips the kill switch from the other actor and is then
   * refused before it was processed (a 429: safe to resend, so the policy retries after a backoff).
   */
  function tripsOnFirstSend(): { exchange: Rig['exchange']; calls: () => number } {
    let calls = 0;
    const exchange = new Proxy(rig.exchange, {
      get(target, prop) {
        if (prop === 'createOrder')
          return async (...args: Parameters<typeof target.createOrder>) => {
            calls++;
            if (calls === 1) {
              await otherKs.trip({ reason: 'watchdog: no heartbeat', by: 'watchdog' });
              throw new ccxt.RateLimitExceeded('429 slow down');
            }
            return target.createOrder(...args);
          };
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    return { exchange, calls: () => calls };
  }

  it('a trip during a retry backoff stops the resend', async () => {
    const { exchange, calls } = tripsOnFirstSend();
    const ex = rig.executor({ gate: undefined, killSwitch: ks, exchange });
    const r = await ex.submit(intent('k1'));
    assert.equal(r.status, 'denied');
    assert.equal(calls(), 1, 'no second send');
    assert.equal((await rig.stores.orders.get('k1'))?.state, 'denied');
  });

  it('a vetoed send is no call to the venue: a half-open exchange breaker is neither closed nor counted', async () => {
    const breaker = new CircuitBreaker({
      name: 'orders',
      rule: new ConsecutiveRule(5),
      isFailure: isDependencyFailure,
      clock: rig.clock,
    });
    breaker.openFromPeer(rig.clock.now() + 1_000);
    rig.clock.advance(1_001); // the next call would be the half-open probe
    await otherKs.trip({ reason: 'halt', by: 'watchdog' });
    const policy = wrap(
      new RetryPolicy({ sideEffect: true, maxAttempts: 1, classify: classifyOrderFailure, timers }),
      breaker,
      new TimeoutPolicy({ ms: 2_000, mode: 'abandon', timers }),
    );
    const ex = rig.executor({ gate: undefined, killSwitch: ks, policy });
    assert.equal((await ex.submit(intent('n1'))).status, 'denied');
    assert.equal(rig.sim.allOrders().length, 0);
    assert.notEqual(breaker.state, 'closed', 'a veto did not pass for a successful probe');
    assert.equal(breaker.stats().successes, 0);
  });

  it('a vetoed resend is no call either: the breaker around the send counts the failure before it, no success', async () => {
    const breaker = new CircuitBreaker({
      name: 'orders',
      rule: new ConsecutiveRule(2),
      isFailure: isDependencyFailure,
      clock: rig.clock,
    });
    const { exchange, calls } = tripsOnFirstSend();
    const policy = wrap(
      new RetryPolicy({ sideEffect: true, maxAttempts: 3, classify: classifyOrderFailure, timers }),
      breaker,
      new TimeoutPolicy({ ms: 2_000, mode: 'abandon', timers }),
    );
    const ex = rig.executor({ gate: undefined, killSwitch: ks, exchange, policy });
    assert.equal((await ex.submit(intent('k1'))).status, 'denied');
    assert.equal(calls(), 1, 'no second send');
    const st = breaker.stats();
    assert.deepEqual([st.successes, st.failures], [0, 1], 'the veto of the resend counted nothing');
  });

  it('reduce-only orders pass a halt; a confirm that throws denies new risk', async () => {
    await otherKs.trip({ reason: 'halt', by: 'watchdog' });
    // the bot's cache has not seen the trip: its gate allows, the confirm decides
    assert.equal(ks.isHalted(), false);
    const ex = rig.executor({ gate: undefined, killSwitch: ks });
    const reduce = await ex.submit(intent('r1', { side: 'sell', reduceOnly: true, price: 200 }));
    assert.equal(reduce.status, 'placed');
    assert.equal((await ex.submit(intent('n1'))).status, 'denied');
    const broken = rig.executor({
      confirmBeforeSend: () => Promise.reject(new Error('store gone')),
    });
    assert.deepEqual(await broken.submit(intent('n2')), {
      status: 'denied',
      idempotencyKey: 'n2',
      reason: 'confirm_threw_fail_closed',
    });
    assert.equal(rig.sim.allOrders().length, 1, 'only the reduce-only order was sent');
  });
});
