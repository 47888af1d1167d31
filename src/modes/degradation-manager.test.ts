import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type Store } from '../store/index.js';
import { KillSwitch } from '../killswitch/index.js';
import { ManualClock } from '../util/clock.js';
import { CollectingAlerts } from '../util/test-collector.js';
import type { DecisionInput } from '../decisions/index.js';
import { CircuitBreaker } from '../resilience/index.js';
import { DegradationManager } from './degradation-manager.js';
import type { ModeChange } from './mode-types.js';

const BUY = { symbol: 'BTC/USDT', side: 'buy', amount: 1 } as const;
const REDUCE = { ...BUY, side: 'sell', reduceOnly: true } as const;
const CANCEL = { ...BUY, cancel: true } as const;

/** Waits for pending promise reactions (the trip is async). */
async function settle(until: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !until(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(until(), 'condition not reached');
}

describe('DegradationManager', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let alerts: CollectingAlerts;
  let ks: KillSwitch;
  let flattened: string[];
  let decisions: DecisionInput[];
  let mgr: DegradationManager;
  let changes: ModeChange[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-modes-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
    clock = new ManualClock(1_700_000_000_000);
    alerts = new CollectingAlerts();
    flattened = [];
    decisions = [];
    ks = await KillSwitch.open({
      store,
      dataDir: dir,
      clock,
      alerts,
      pollMs: 0,
      flatten: ({ reason }) => {
        flattened.push(reason);
        return Promise.resolve({ ok: true, detail: 'flat' });
      },
    });
    mgr = new DegradationManager({
      killSwitch: ks,
      alerts,
      clock,
      intervalMs: 0,
      decisions: { append: (d: DecisionInput) => decisions.push(d) },
    });
    changes = [];
    mgr.onChange((c) => changes.push(c));
  });
  afterEach(async () => {
    mgr.close();
    await ks.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const healthy = () => mgr.report({ balance: 1000, equity: 1000, feedAgeMs: 0 });

  it('starts in OBSERVATION and denies orders until balance, equity and feed age are reported (fail closed)', () => {
    assert.equal(mgr.mode, 'OBSERVATION');
    assert.equal(mgr.state.reason, 'balance_unknown');
    assert.equal(mgr.check(BUY, clock.now()).reason, 'mode_signal_missing_fail_closed');
    assert.equal(mgr.check(REDUCE, clock.now()).allow, false);
    mgr.report({ balance: 1000, equity: 1000 });
    assert.equal(mgr.state.reason, 'feed_unknown');
    assert.equal(mgr.check(BUY, clock.now()).allow, false);
    mgr.report({ feedAgeMs: 0 });
    assert.equal(mgr.mode, 'FULL');
    assert.equal(mgr.check(BUY, clock.now()).reason, 'mode_full');
    const v = mgr.check(BUY, clock.now());
    assert.equal(v, mgr.check(BUY, clock.now()), 'a preallocated verdict');
    assert.ok(Object.isFrozen(v));
    assert.deepEqual(
      changes.map((c) => [c.from, c.to, c.reason]),
      [['OBSERVATION', 'FULL', 'nominal']],
    );
  });

  it('goes to OBSERVATION when the feed stops pushing, on time alone, and back on a fresh tick', () => {
    healthy();
    clock.advance(60_000);
    assert.equal(mgr.check(BUY, clock.now()).allow, true, '60 s is not beyond the 60 s max age');
    clock.advance(1);
    const v = mgr.check(BUY, clock.now());
    assert.equal(v.reason, 'mode_observation_deny_orders');
    assert.equal(mgr.mode, 'OBSERVATION');
    assert.equal(mgr.state.reason, 'feed_stale');
    assert.equal(mgr.check(CANCEL, clock.now()).reason, 'mode_observation_allow_cancel');
    assert.equal(mgr.check(REDUCE, clock.now()).allow, false, 'OBSERVATION: no orders, reduce-only too');
    mgr.feedTick();
    assert.equal(mgr.mode, 'FULL');
    assert.deepEqual(
      changes.map((c) => `${c.from}>${c.to}:${c.reason}`),
      ['OBSERVATION>FULL:nominal', 'FULL>OBSERVATION:feed_stale', 'OBSERVATION>FULL:nominal'],
    );
    const titles = alerts.titles();
    assert.ok(titles.includes('Mode FULL -> OBSERVATION'));
    assert.equal(decisions.filter((d) => d.kind === 'mode').length, 3);
  });

  it('goes to OBSERVATION when balance and equity stop being reported, and on clock drift', () => {
    healthy();
    clock.advance(299_000);
    mgr.feedTick();
    assert.equal(mgr.mode, 'FULL');
    clock.advance(1_001);
    mgr.feedTick();
    assert.equal(mgr.state.reason, 'account_stale');
    healthy();
    assert.equal(mgr.mode, 'FULL');
    mgr.clockDrift(-2500);
    assert.equal(mgr.state.reason, 'clock_drift');
    assert.equal(mgr.mode, 'OBSERVATION');
    mgr.clockDrift(NaN);
    assert.equal(mgr.mode, 'OBSERVATION', 'a failed drift reading is beyond any limit');
    mgr.clockDrift(40);
    assert.equal(mgr.mode, 'FULL');
  });

  it('goes REDUCE_ONLY while the exchange breaker is out of closed, and on pending reconciliation', () => {
    healthy();
    mgr.breakerChanged('open', clock.now());
    assert.equal(mgr.mode, 'REDUCE_ONLY');
    assert.equal(mgr.check(BUY, clock.now()).reason, 'mode_reduce_only_deny_new_risk');
    assert.equal(mgr.check(REDUCE, clock.now()).reason, 'mode_reduce_only_allow_reduce_only');
    assert.equal(mgr.check(CANCEL, clock.now()).reason, 'mode_reduce_only_allow_cancel');
    clock.advance(30_000);
    mgr.feedTick();
    mgr.breakerChanged('half-open', clock.now());
    assert.match(
      mgr.state.detail,
      /breaker half-open for 30s/,
      'how long it has been degraded, across half-open',
    );
    mgr.breakerChanged('closed', clock.now());
    assert.equal(mgr.mode, 'FULL');
    mgr.reconciliation(true);
    assert.equal(mgr.state.reason, 'reconciliation_pending');
    mgr.reconciliation(false);
    assert.equal(mgr.mode, 'FULL');
  });

  it('follows a real CircuitBreaker: forced open and half-open are REDUCE_ONLY, closed again is FULL', async () => {
    healthy();
    const breaker = new CircuitBreaker({ clock });
    const sub = mgr.followBreaker(breaker);
    assert.equal(mgr.mode, 'FULL');
    const hold = breaker.forceOpen({ reason: 'venue maintenance' });
    assert.equal(mgr.mode, 'REDUCE_ONLY');
    assert.equal(mgr.state.reason, 'breaker_open');
    clock.advance(20_000);
    mgr.feedTick();
    hold.release();
    assert.equal(breaker.state, 'half-open');
    assert.equal(mgr.mode, 'REDUCE_ONLY');
    assert.match(mgr.state.detail, /breaker half-open for 20s/);
    await breaker.execute(() => Promise.resolve(1));
    assert.equal(breaker.state, 'closed');
    assert.equal(mgr.mode, 'FULL');
    sub.dispose();
  });

  it('waits breakerGraceMs before REDUCE_ONLY, then degrades on time alone', () => {
    mgr.close();
    mgr = new DegradationManager({ killSwitch: ks, clock, intervalMs: 0, breakerGraceMs: 5000 });
    healthy();
    mgr.breakerChanged('open', clock.now());
    assert.equal(mgr.mode, 'FULL');
    clock.advance(5000);
    assert.equal(mgr.check(BUY, clock.now()).reason, 'mode_reduce_only_deny_new_risk');
  });

  it('SHUTDOWN on drawdown from the peak trips the kill switch with flatten and stays until a resume of that trip', async () => {
    healthy();
    mgr.report({ equity: 1500 });
    mgr.report({ equity: 1201 });
    assert.equal(mgr.mode, 'FULL', '19.9 % below the peak of 1500');
    mgr.report({ equity: 1199 });
    assert.equal(mgr.mode, 'SHUTDOWN');
    assert.equal(mgr.state.reason, 'drawdown_exceeded');
    await settle(() => ks.isHalted() && flattened.length === 1);
    assert.match(flattened[0]!, /degradation SHUTDOWN: drawdown 20\.1% from the peak 1500/);
    await settle(() => mgr.state.mode === 'SHUTDOWN' && mgr.state.tripEventId !== null);
    assert.equal(mgr.check(BUY, clock.now()).reason, 'mode_shutdown_deny_new_risk');
    assert.equal(mgr.check(REDUCE, clock.now()).allow, true);
    // Signals recover: still SHUTDOWN.
    mgr.report({ equity: 1500, balance: 1500, feedAgeMs: 0 });
    mgr.breakerChanged('closed', clock.now());
    clock.advance(3_600_000);
    mgr.assess();
    assert.equal(mgr.mode, 'SHUTDOWN');
    // Resume: the drawdown is accepted (peak rebased) and the mode is assessed again.
    mgr.report({ equity: 1199, balance: 1199, feedAgeMs: 0 });
    await ks.resume({ reason: 'checked', by: 'ana' });
    assert.equal(mgr.mode, 'FULL');
    assert.deepEqual(mgr.toJSON(), { peakEquity: 1199 });
    assert.ok(alerts.titles().includes('Mode FULL -> SHUTDOWN'));
    assert.ok(alerts.alerts.some((a) => a.title === 'Mode SHUTDOWN -> FULL' && /resumed/.test(a.body)));
  });

  it('a resume of an older halt does not end SHUTDOWN', async () => {
    await ks.trip({ reason: 'by hand' });
    const older = ks.state().eventId;
    healthy();
    mgr.report({ balance: 5 });
    assert.equal(mgr.mode, 'SHUTDOWN');
    await settle(() => mgr.state.mode === 'SHUTDOWN' && mgr.state.tripEventId !== null);
    await assert.rejects(ks.resume({ reason: 'stale view', by: 'bob', haltId: older }), {
      code: 'E_RESUME_CONFLICT',
    });
    assert.equal(mgr.mode, 'SHUTDOWN');
  });

  it('after a resume a balance still below the minimum is a new SHUTDOWN with a new trip', async () => {
    healthy();
    mgr.report({ balance: 9.99 });
    await settle(() => mgr.state.mode === 'SHUTDOWN' && mgr.state.tripEventId !== null);
    const first = mgr.state.mode === 'SHUTDOWN' ? mgr.state.tripEventId : null;
    await ks.resume({ reason: 'retry', by: 'ana' });
    assert.equal(mgr.mode, 'SHUTDOWN');
    await settle(() => mgr.state.mode === 'SHUTDOWN' && (mgr.state.tripEventId ?? 0) > (first ?? 0));
    assert.equal(ks.isHalted(), true);
    assert.equal(flattened.length, 2);
  });

  it('restores the peak from toJSON', () => {
    mgr.close();
    mgr = new DegradationManager({
      killSwitch: ks,
      clock,
      intervalMs: 0,
      initialState: { peakEquity: 2000 },
    });
    mgr.report({ balance: 1000, equity: 1500, feedAgeMs: 0 });
    assert.equal(mgr.state.reason, 'drawdown_exceeded');
  });

  it('rejects bad thresholds with a RangeError naming the option', () => {
    assert.throws(() => new DegradationManager({ killSwitch: ks, maxDrawdown: 20 }), /maxDrawdown/);
    assert.throws(() => new DegradationManager({ killSwitch: ks, feedMaxAgeMs: -1 }), /feedMaxAgeMs/);
  });

  it('keeps the STOP-file side effects of the real kill switch (circuit.json paused)', async () => {
    healthy();
    mgr.report({ balance: 1 });
    await settle(() => ks.isHalted());
    const c = JSON.parse(readFileSync(join(dir, 'circuit.json'), 'utf8')) as { paused: boolean };
    assert.equal(c.paused, true);
    assert.equal(existsSync(join(dir, 'warden.db')), true);
  });
});
