import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/index.js';
import { heartbeatExpectationSchema } from '../config/index.js';
import { ManualClock } from '../util/clock.js';
import { CollectingAlerts } from '../util/test-collector.js';
import { KillSwitch } from '../killswitch/index.js';
import { HeartbeatWriter } from './heartbeat.js';
import { Watchdog } from './watchdog.js';
import { closeWatchdogRig, openWatchdogRig, T0 } from './watchdog-test-rig.js';
import { Expectation } from './expectation.js';

const exp = (x: Record<string, unknown>) => heartbeatExpectationSchema.parse(x);

describe('Watchdog', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let alerts: CollectingAlerts;
  let ks: KillSwitch;
  let hb: HeartbeatWriter;

  beforeEach(async () => {
    ({ dir, store, clock, alerts, ks } = await openWatchdogRig('warden-wd-'));
    hb = new HeartbeatWriter({ store, dataDir: dir, clock });
  });
  afterEach(() => closeWatchdogRig({ dir, store, clock, alerts, ks }));

  const dog = (exps: Record<string, unknown>[]) =>
    new Watchdog({ store, expectations: exps.map(exp), killSwitch: ks, alerts, clock });

  it('writes heartbeat.json in the seed format', async () => {
    await hb.beat('bot', 'ok', { cycle: 7 });
    const f = JSON.parse(readFileSync(join(dir, 'heartbeat.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(f['at'], T0 / 1000);
    assert.equal(f['iso'], '2026-11-24T12:00:00Z');
    assert.equal(f['status'], 'ok');
    assert.equal(f['cycle'], 7);
  });

  it('stays quiet while beats arrive within period + grace', async () => {
    const d = dog([{ name: 'bot', periodSec: 60, graceSec: 30 }]);
    for (let i = 0; i < 5; i++) {
      await hb.beat('bot');
      clock.advance(80_000);
      const r = await d.check();
      assert.equal(r.results[0]?.ok, true);
    }
    assert.deepEqual(alerts.alerts, []);
    assert.equal(ks.isHalted(), false);
  });

  it("says 'tripped' only in the alert of the heartbeat that tripped, when two fail in one pass", async () => {
    const d = dog([
      { name: 'bot', periodSec: 60, graceSec: 30 },
      { name: 'report', periodSec: 60, graceSec: 30, tripOnFailure: false },
    ]);
    await hb.beat('bot');
    await hb.beat('report');
    clock.advance(91_000);
    const r = await d.check();
    assert.equal(r.tripped, true);
    const body = (title: string) => alerts.alerts.find((a) => a.title === title)?.body ?? '';
    assert.match(body('Heartbeat bot: late'), /The kill switch was tripped/);
    assert.doesNotMatch(body('Heartbeat report: late'), /tripped/);
  });

  it('alerts once and trips when a heartbeat goes stale, then sends one recovery and stays halted', async () => {
    const d = dog([{ name: 'bot', periodSec: 60, graceSec: 30 }]);
    await hb.beat('bot');
    clock.advance(91_000);
    const r = await d.check();
    assert.equal(r.results[0]?.ok, false);
    assert.equal(r.results[0]?.kind, 'late');
    assert.match(r.results[0]!.detail!, /stale: 91s > 90s/);
    assert.equal(r.tripped, true);
    assert.equal(ks.isHalted(), true);
    for (let i = 0; i < 3; i++) {
      clock.advance(15_000);
      assert.equal((await d.check()).tripped, false, 'one trip per incident');
    }
    assert.deepEqual(alerts.titles(), ['Trading halted', 'Heartbeat bot: late'], 'the halt comes first');
    await hb.beat('bot');
    const back = await d.check();
    assert.equal(back.results[0]?.recovered, true);
    assert.equal(alerts.titles().at(-1), 'Heartbeat bot is back');
    assert.match(alerts.alerts.at(-1)!.body, /stays halted/);
    assert.equal(ks.isHalted(), true, 'automatic pause, manual resume');
  });

  it('reports a heartbeat that never arrived, counting from when the watchdog first expected it', async () => {
    const d = dog([{ name: 'bot', periodSec: 60, graceSec: 0 }]);
    assert.equal((await d.check()).results[0]?.ok, true);
    clock.advance(61_000);
    const r = await d.check();
    assert.equal(r.results[0]?.kind, 'missing');
  });

  it('reports status other than ok', async () => {
    const d = dog([{ name: 'bot', periodSec: 60, graceSec: 30, tripOnFailure: false }]);
    await hb.beat('bot', 'degraded');
    const r = await d.check();
    assert.equal(r.results[0]?.kind, 'status');
    assert.match(r.results[0]!.detail!, /status = degraded/);
    assert.equal(ks.isHalted(), false, 'tripOnFailure false only alerts');
  });

  it('notices a job that failed, and one that started and never finished', async () => {
    const d = dog([
      { name: 'nightly', cron: '0 3 * * *', graceSec: 600 },
      { name: 'sync', periodSec: 300, graceSec: 60 },
    ]);
    await hb.fail('nightly', 2);
    await hb.start('sync');
    clock.advance(361_000);
    const r = await d.check();
    assert.deepEqual(
      r.results.map((x) => x.kind),
      ['failed', 'unfinished'],
    );
    assert.match(r.results[0]!.detail!, /exit 2/);
  });

  it('judges a cron job late when its run did not happen by the due time plus grace', async () => {
    // Expected since 11:00 on the 23rd; the job runs at 03:00 UTC daily with 10 minutes of grace.
    const e = new Expectation(exp({ name: 'nightly', cron: '0 3 * * *', graceSec: 600 }));
    const since = Date.UTC(2026, 10, 23, 11, 0, 0);
    const done = (at: number) => ({
      name: 'nightly',
      at,
      kind: 'beat' as const,
      status: 'ok',
      lastOkAt: at,
      startedAt: null,
      exitCode: null,
      extra: {},
      receivedAt: at,
      lastOkReceivedAt: at,
    });
    assert.equal(e.judge(null, Date.UTC(2026, 10, 24, 3, 9, 0), since).ok, true, 'within grace');
    const late = e.judge(null, Date.UTC(2026, 10, 24, 3, 11, 0), since);
    assert.ok(!late.ok && late.kind === 'missing');
    assert.equal(
      e.judge(done(Date.UTC(2026, 10, 24, 3, 2, 0)), Date.UTC(2026, 10, 24, 12, 0, 0), since).ok,
      true,
    );
    const stale = e.judge(done(Date.UTC(2026, 10, 23, 3, 2, 0)), Date.UTC(2026, 10, 24, 4, 0, 0), since);
    assert.ok(!stale.ok && stale.kind === 'late');
  });

  it('honours the cron time zone', () => {
    // 09:30 in New York is 14:30 UTC in November.
    const e = new Expectation(
      exp({ name: 'open', cron: '30 9 * * 1-5', timezone: 'America/New_York', graceSec: 60 }),
    );
    const since = Date.UTC(2026, 10, 24, 0, 0, 0);
    assert.equal(e.judge(null, Date.UTC(2026, 10, 24, 14, 0, 0), since).ok, true);
    assert.equal(e.judge(null, Date.UTC(2026, 10, 24, 14, 32, 0), since).ok, false);
  });

  it('refuses a bad cron and a duplicate name with a message naming it', () => {
    assert.throws(
      () => new Expectation(exp({ name: 'x', cron: 'every day', graceSec: 1 })),
      /heartbeats\.x\.cron/,
    );
    assert.throws(
      () =>
        dog([
          { name: 'a', periodSec: 1 },
          { name: 'a', periodSec: 2 },
        ]),
      /appears twice/,
    );
  });

  it('lists heartbeats that nobody watches', async () => {
    await hb.beat('other');
    const r = await dog([{ name: 'bot', periodSec: 60 }]).check();
    assert.deepEqual(r.unwatched, ['other']);
  });

  it('watches a heartbeat file written by another program, and fails on a corrupt one', async () => {
    const { writeFileSync } = await import('node:fs');
    const d = new Watchdog({
      store,
      expectations: [exp({ name: 'pybot', periodSec: 60, graceSec: 0, file: 'py-heartbeat.json' })],
      killSwitch: ks,
      alerts,
      clock,
      dataDir: dir,
    });
    writeFileSync(join(dir, 'py-heartbeat.json'), JSON.stringify({ at: T0 / 1000, iso: 'x', status: 'ok' }));
    assert.equal((await d.check()).results[0]?.ok, true);
    clock.advance(61_000);
    assert.equal((await d.check()).results[0]?.kind, 'late');
    writeFileSync(
      join(dir, 'py-heartbeat.json'),
      JSON.stringify({ at: clock.now() / 1000, iso: 'x', status: 'ok' }),
    );
    assert.equal((await d.check()).results[0]?.ok, true);
    writeFileSync(join(dir, 'py-heartbeat.json'), '{"at": 17');
    const r = await d.check();
    assert.equal(r.results[0]?.kind, 'failed');
    assert.match(r.results[0]!.detail!, /unreadable: not JSON/);
  });
});
