import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type Store } from '../store/index.js';
import { KillSwitch } from '../killswitch/index.js';
import { ManualClock } from '../util/clock.js';
import { CollectingAlerts } from '../util/test-collector.js';
import type { DecisionInput } from '../decisions/index.js';
import { SessionLossLimit } from './session-loss-limit.js';
import type { SessionLossLimitOptions } from './loss-limit-options.js';

const BUY = { symbol: 'BTC/USDT', side: 'buy', amount: 1 } as const;
const REDUCE = { ...BUY, side: 'sell', reduceOnly: true } as const;
// 2023-11-14T22:00:00Z: two hours before the default boundary (00:00 UTC).
const T0 = Date.UTC(2023, 10, 14, 22, 0, 0);

async function settle(until: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !until(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(until(), 'condition not reached');
}

describe('SessionLossLimit', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let alerts: CollectingAlerts;
  let ks: KillSwitch;
  let flattened: number;
  let decisions: DecisionInput[];
  let limit: SessionLossLimit | undefined;
  const make = (o: Partial<SessionLossLimitOptions> = {}) =>
    (limit = new SessionLossLimit({
      killSwitch: ks,
      alerts,
      clock,
      intervalMs: 0,
      decisions: { append: (d: DecisionInput) => decisions.push(d) },
      ...o,
    }));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-loss-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
    clock = new ManualClock(T0);
    alerts = new CollectingAlerts();
    flattened = 0;
    decisions = [];
    ks = await KillSwitch.open({
      store,
      dataDir: dir,
      clock,
      alerts,
      pollMs: 0,
      flatten: () => {
        flattened++;
        return Promise.resolve({ ok: true, detail: 'flat' });
      },
    });
  });
  afterEach(async () => {
    limit?.close();
    limit = undefined;
    await ks.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('denies new risk until the first P&L of the session (fail closed)', () => {
    const l = make({ maxLoss: 50 });
    assert.equal(l.check(BUY, clock.now()).reason, 'loss_limit_no_pnl_fail_closed');
    assert.equal(l.check(REDUCE, clock.now()).allow, true);
    l.report({ realised: 1000, unrealised: 0, equity: 10_000 });
    assert.equal(l.check(BUY, clock.now()).reason, 'loss_limit_ok');
    assert.equal(l.check(BUY, clock.now()), l.check(BUY, clock.now()), 'a preallocated verdict');
  });

  it('warns at 80 % of the money limit, trips the kill switch with flatten at it, and denies new risk', async () => {
    const l = make({ maxLoss: 50 });
    l.report({ realised: 1000, unrealised: 5, equity: 10_000 });
    l.report({ realised: 980, unrealised: -14, equity: 9966 }); // lost 39
    assert.equal(l.state.state, 'active');
    l.report({ realised: 980, unrealised: -15, equity: 9955 }); // lost 50 * 0.8 = 40
    assert.equal(l.state.state, 'warned');
    assert.equal(l.check(BUY, clock.now()).reason, 'loss_limit_warning');
    assert.ok(alerts.titles().includes('Session loss at 80% of the limit'));
    assert.equal(ks.isHalted(), false);
    l.report({ realised: 970, unrealised: -15, equity: 9945 }); // lost 50
    assert.equal(l.state.state, 'tripped');
    assert.equal(l.check(BUY, clock.now()).reason, 'loss_limit_hit');
    assert.equal(l.check(REDUCE, clock.now()).reason, 'loss_limit_allow_reduce_only');
    await settle(() => ks.isHalted() && flattened === 1);
    const s = ks.state();
    assert.ok(s.halted && /session loss limit: session loss 50 \(0\.50%\), limit 50/.test(s.reason));
    assert.ok(alerts.titles().includes('Session loss limit hit'));
    assert.deepEqual(
      decisions.map((d) => (d.data as { event: string }).event),
      ['warning', 'trip'],
    );
  });

  it('trips on the percent of start-of-session equity when that comes first', async () => {
    const l = make({ maxLoss: 1000, maxLossPct: 0.02 });
    l.report({ realised: 0, unrealised: 0, equity: 2000 });
    l.report({ realised: 0, unrealised: -40, equity: 1960 });
    assert.equal(l.state.state, 'tripped');
    await settle(() => ks.isHalted());
  });

  it('does not reset before the boundary, however the P&L recovers; resets at the boundary', async () => {
    const l = make({ maxLoss: 50 });
    l.report({ realised: 0, unrealised: 0, equity: 1000 });
    l.report({ realised: -60, unrealised: 0, equity: 940 });
    await settle(() => ks.isHalted());
    l.report({ realised: 100, unrealised: 0, equity: 1100 });
    clock.set(Date.UTC(2023, 10, 14, 23, 59, 59, 999));
    assert.equal(l.poll().state, 'tripped');
    assert.equal(l.check(BUY, clock.now()).reason, 'loss_limit_hit');
    clock.set(Date.UTC(2023, 10, 15, 0, 0, 0));
    assert.equal(l.check(BUY, clock.now()).reason, 'loss_limit_ok', 'the check itself sees the boundary');
    const st = l.state;
    assert.ok(st.state === 'active' && st.startEquity === 1100 && st.loss === 0);
    assert.equal(st.sessionStart, Date.UTC(2023, 10, 15));
    assert.equal(st.nextBoundary, Date.UTC(2023, 10, 16));
    assert.equal(ks.isHalted(), true, 'the kill switch itself still needs a resume');
    assert.ok(alerts.titles().includes('Loss limit reset: new session'));
    // A resume of the old trip later in the new session must not reset this session's baseline.
    l.report({ realised: 80, unrealised: 0, equity: 1080 });
    await ks.resume({ reason: 'new day', by: 'ana' });
    const after = l.state;
    assert.ok(after.state === 'active' && after.loss === 20);
  });

  it('resets on a manual resume of its trip, with the P&L at the resume as the baseline', async () => {
    const l = make({ maxLoss: 50 });
    l.report({ realised: 0, unrealised: 0, equity: 1000 });
    l.report({ realised: -60, unrealised: 0, equity: 940 });
    await settle(() => ks.isHalted());
    await new Promise((r) => setTimeout(r, 20));
    await ks.resume({ reason: 'checked the bot', by: 'ana' });
    const s = l.state;
    assert.ok(s.state === 'active' && s.startEquity === 940 && s.loss === 0);
    assert.equal(l.check(BUY, clock.now()).allow, true);
    assert.ok(alerts.titles().includes('Loss limit reset by the resume'));
  });

  it('a restart within the session keeps the baseline and a hit limit (toJSON / initialState)', async () => {
    const a = make({ maxLoss: 50 });
    a.report({ realised: 0, unrealised: 0, equity: 1000 });
    a.report({ realised: -40, unrealised: 0, equity: 960 });
    const snap = a.toJSON();
    a.close();
    clock.advance(60_000);
    const b = make({ maxLoss: 50, initialState: snap });
    assert.equal(b.check(BUY, clock.now()).reason, 'loss_limit_no_pnl_fail_closed', 'until the first report');
    b.report({ realised: -45, unrealised: -6, equity: 949 });
    assert.equal(b.state.state, 'tripped', 'the loss before the restart still counts');
    await settle(() => ks.isHalted() && b.toJSON().tripEventId !== null);
    const hit = b.toJSON();
    b.close();
    const c = make({ maxLoss: 50, initialState: hit });
    assert.equal(c.check(BUY, clock.now()).reason, 'loss_limit_hit');
    await ks.resume({ reason: 'reviewed', by: 'ana' });
    assert.equal(c.state.state, 'awaiting_pnl', 'released by the resume of the old trip');
    c.close();
    // A snapshot of a session that has ended is ignored.
    clock.set(Date.UTC(2023, 10, 15, 1));
    const d = make({ maxLoss: 50, initialState: hit });
    d.report({ realised: -60, unrealised: 0, equity: 940 });
    assert.equal(d.state.state, 'active');
  });

  it('uses a cron or daily time in a time zone for the boundary', () => {
    // 2023-11-14T22:00Z is 17:00 in New York: the 18:00 boundary is at 23:00Z.
    const l = make({ maxLoss: 50, boundary: { dailyAt: '18:00', timezone: 'America/New_York' } });
    assert.equal(l.state.nextBoundary, Date.UTC(2023, 10, 14, 23, 0));
    l.close();
    const c = make({ maxLoss: 50, boundary: { cron: '0 */4 * * *' } });
    assert.equal(c.state.nextBoundary, Date.UTC(2023, 10, 15, 0, 0));
  });

  it('denies new risk on a P&L that is not a number (fail closed), and recovers on a good one', () => {
    const l = make({ maxLoss: 50 });
    l.report({ realised: 0, unrealised: 0, equity: 1000 });
    l.report({ realised: NaN, unrealised: 0, equity: 1000 });
    assert.equal(l.check(BUY, clock.now()).reason, 'loss_limit_bad_pnl_fail_closed');
    assert.ok(alerts.titles().includes('Loss limit cannot judge the P&L'));
    l.report({ realised: -10, unrealised: 0, equity: 990 });
    assert.equal(l.check(BUY, clock.now()).reason, 'loss_limit_ok');
  });

  it('rejects bad options with a RangeError naming the option', () => {
    assert.throws(() => make({}), /maxLoss \/ maxLossPct/);
    assert.throws(() => make({ maxLossPct: 5 }), /maxLossPct/);
    assert.throws(() => make({ maxLoss: 50, warnShare: 0 }), /warnShare/);
    assert.throws(() => make({ maxLoss: 50, boundary: { dailyAt: '25:00' } }), /dailyAt/);
    assert.throws(() => make({ maxLoss: 50, boundary: { cron: 'nope' } }), /boundary/);
  });
});
