// The degradation manager and the session loss limit against a real kill switch in a data dir
// made as `warden init` makes it, a real flatten command, and `warden status` / `warden resume`
// run as real processes (bin/warden.js): SHUTDOWN flattens and halts, and holds until a person
// resumes from another process.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore, type Store } from '../src/store/index.js';
import { KillSwitch, commandFlattenHook } from '../src/killswitch/index.js';
import { DegradationManager } from '../src/modes/index.js';
import { SessionLossLimit } from '../src/risk/index.js';
import { ManualClock } from '../src/util/clock.js';
import { CollectingAlerts } from '../src/util/test-collector.js';
import { DecisionLog, listSegments, verifyDecisionLog } from '../src/decisions/index.js';
import { warden, workspace } from './helpers/cli.js';

const BUY = { symbol: 'BTC/USDT', side: 'buy', amount: 1 } as const;
const REDUCE = { ...BUY, side: 'sell', reduceOnly: true } as const;

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('modes and loss limit with a real kill switch and the CLI', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function rig() {
    const w = workspace();
    cleanup.push(() => rmSync(w.dir, { recursive: true, force: true }));
    const store: Store = SqliteStore.open(join(w.dataDir, 'warden.db'));
    cleanup.push(() => store.close());
    const flatFile = join(w.dir, 'flattened.txt');
    const flatten = commandFlattenHook(
      [
        process.execPath,
        '-e',
        `require('fs').writeFileSync(${JSON.stringify(flatFile)}, process.env.WARDEN_TRIP_REASON)`,
      ],
      20_000,
    );
    const alerts = new CollectingAlerts();
    const ks = await KillSwitch.open({
      store,
      dataDir: w.dataDir,
      alerts,
      flatten,
      pollMs: 50,
      source: 'library',
    });
    cleanup.push(() => ks.close());
    return { w, ks, flatFile, alerts };
  }

  it('SHUTDOWN on a balance below the minimum flattens and halts; only `warden resume` from another process ends it', async () => {
    const { w, ks, flatFile, alerts } = await rig();
    const clock = new ManualClock(Date.now());
    const mgr = new DegradationManager({ killSwitch: ks, clock, alerts, intervalMs: 0 });
    cleanup.push(() => mgr.close());
    mgr.report({ balance: 500, equity: 500, feedAgeMs: 0 });
    assert.equal(mgr.mode, 'FULL');
    mgr.report({ balance: 9 });
    assert.equal(mgr.mode, 'SHUTDOWN');
    await until('the flatten command', () => existsSync(flatFile));
    assert.match(readFileSync(flatFile, 'utf8'), /degradation SHUTDOWN: balance 9 below the minimum 10/);
    let r = await warden([...w.args, 'status', '--json']);
    assert.equal(r.code, 1, 'warden status: halted');
    assert.match((JSON.parse(r.stdout) as { reason: string }).reason, /degradation SHUTDOWN/);
    // Healthy again: still SHUTDOWN, new risk denied, closing out allowed.
    mgr.report({ balance: 500, equity: 500, feedAgeMs: 0 });
    clock.advance(10_000);
    mgr.feedTick();
    assert.equal(mgr.mode, 'SHUTDOWN');
    assert.equal(mgr.check(BUY, clock.now()).reason, 'mode_shutdown_deny_new_risk');
    assert.equal(mgr.check(REDUCE, clock.now()).allow, true);
    r = await warden([...w.args, 'resume', '--reason', 'funded the account', '--by', 'ana']);
    assert.equal(r.code, 0, r.stderr);
    await until('the resume to reach the manager', () => mgr.mode === 'FULL');
    assert.equal(mgr.check(BUY, clock.now()).reason, 'mode_full');
    assert.ok(alerts.titles().includes('Mode FULL -> SHUTDOWN'));
  });

  it('a trip by another process stacked on SHUTDOWN does not end it; the resume that clears both does', async () => {
    const { w, ks } = await rig();
    const clock = new ManualClock(Date.now());
    const mgr = new DegradationManager({ killSwitch: ks, clock, intervalMs: 0 });
    cleanup.push(() => mgr.close());
    mgr.report({ balance: 500, equity: 1000, feedAgeMs: 0 });
    mgr.report({ equity: 700 });
    assert.equal(mgr.state.reason, 'drawdown_exceeded');
    await until('the trip', () => mgr.state.mode === 'SHUTDOWN' && mgr.state.tripEventId !== null);
    // Another process trips and resumes its own halt on top: the manager's trip is cleared with it,
    // because the resume is newer than the manager's trip. That is a resume, so SHUTDOWN ends.
    let r = await warden([...w.args, 'trip', '--reason', 'ops drill']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(mgr.mode, 'SHUTDOWN');
    r = await warden([...w.args, 'resume', '--reason', 'drill over, drawdown accepted', '--by', 'bob']);
    assert.equal(r.code, 0, r.stderr);
    await until('the resume to reach the manager', () => mgr.mode !== 'SHUTDOWN');
    assert.equal(mgr.mode, 'FULL', 'the peak is rebased to the equity at the resume');
  });

  it('the session loss limit trips with flatten and denies new risk until `warden resume`', async () => {
    const { w, ks, flatFile } = await rig();
    const clock = new ManualClock(Date.now());
    const limit = new SessionLossLimit({ killSwitch: ks, clock, maxLoss: 50, intervalMs: 0 });
    cleanup.push(() => limit.close());
    limit.report({ realised: 0, unrealised: 0, equity: 1000 });
    limit.report({ realised: -30, unrealised: -25, equity: 945 });
    assert.equal(limit.check(BUY, clock.now()).reason, 'loss_limit_hit');
    await until('the flatten command', () => existsSync(flatFile));
    assert.match(readFileSync(flatFile, 'utf8'), /session loss limit: session loss 55/);
    limit.report({ realised: 40, unrealised: 0, equity: 1040 });
    assert.equal(limit.check(BUY, clock.now()).reason, 'loss_limit_hit', 'no reset before the boundary');
    const r = await warden([...w.args, 'resume', '--reason', 'reviewed', '--by', 'ana']);
    assert.equal(r.code, 0, r.stderr);
    await until('the resume to reach the limit', () => limit.state.state === 'active');
    assert.equal(limit.check(BUY, clock.now()).reason, 'loss_limit_ok');
  });

  it('a feed that stops pushing goes stale on the timer alone, and each transition lands in a real decision log', async () => {
    const { w, ks, alerts } = await rig();
    const decisions = DecisionLog.open({ dir: join(w.dataDir, 'decisions') });
    cleanup.push(() => decisions.close());
    const mgr = new DegradationManager({
      killSwitch: ks,
      alerts,
      decisions,
      intervalMs: 20,
      feedMaxAgeMs: 300,
    });
    cleanup.push(() => mgr.close());
    const seen: string[] = [];
    mgr.onChange((c) => seen.push(`${c.from}>${c.to}:${c.reason}`));
    mgr.report({ balance: 500, equity: 500, feedAgeMs: 0 });
    assert.equal(mgr.mode, 'FULL');
    // Nothing pushes any more: the unref'd timer alone must notice.
    await until('the timer to see the stale feed', () => seen.length === 2);
    assert.deepEqual(seen, ['OBSERVATION>FULL:nominal', 'FULL>OBSERVATION:feed_stale']);
    await decisions.flush();
    const v = verifyDecisionLog(join(w.dataDir, 'decisions'));
    assert.ok(v.ok && v.lines === 2, JSON.stringify(v));
    const seg = listSegments(join(w.dataDir, 'decisions'))[0]!;
    const lines = readFileSync(seg.path, 'utf8').trim().split('\n');
    const last = JSON.parse(lines[1]!) as {
      kind: string;
      data: { to: string; reason: string; signals: { balance: number } };
    };
    assert.equal(last.kind, 'mode');
    assert.equal(last.data.to, 'OBSERVATION');
    assert.equal(last.data.reason, 'feed_stale');
    assert.equal(last.data.signals.balance, 500);
    assert.ok(alerts.titles().includes('Mode FULL -> OBSERVATION'));
  });
});
