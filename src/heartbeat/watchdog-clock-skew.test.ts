import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/index.js';
import { heartbeatExpectationSchema } from '../config/index.js';
import { ManualClock, type Clock } from '../util/clock.js';
import { CollectingAlerts } from '../util/test-collector.js';
import { KillSwitch } from '../killswitch/index.js';
import { HeartbeatWriter } from './heartbeat.js';
import { Watchdog } from './watchdog.js';
import { closeWatchdogRig, openWatchdogRig, T0 } from './watchdog-test-rig.js';

const exp = (x: Record<string, unknown>) => heartbeatExpectationSchema.parse(x);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('Watchdog: clocks that disagree', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let alerts: CollectingAlerts;
  let ks: KillSwitch;

  beforeEach(async () => {
    ({ dir, store, clock, alerts, ks } = await openWatchdogRig('warden-skew-'));
  });
  afterEach(() => closeWatchdogRig({ dir, store, clock, alerts, ks }));

  const dog = (exps: Record<string, unknown>[], extra: { clockSkewToleranceMs?: number } = {}) =>
    new Watchdog({
      store,
      expectations: exps.map(exp),
      killSwitch: ks,
      alerts,
      clock,
      dataDir: dir,
      ...extra,
    });
  const writerWithClock = (c: Clock) => new HeartbeatWriter({ store, dataDir: dir, clock: c });

  it('calls a beat stamped an hour ahead clock_skew, alerts and trips', async () => {
    await writerWithClock({ now: () => clock.now() + HOUR }).beat('bot');
    const r = await dog([{ name: 'bot', periodSec: 60, graceSec: 30 }]).check();
    assert.equal(r.results[0]?.kind, 'clock_skew');
    assert.match(r.results[0]!.detail!, /stamped 3600s ahead of the watchdog's clock \(tolerance 5\.0s\)/);
    assert.equal(r.tripped, true);
    assert.equal(ks.isHalted(), true);
    assert.deepEqual(alerts.titles(), ['Trading halted', 'Heartbeat bot: clock_skew']);
  });

  it('judges lateness on the received time, so a fast writer that stops is late after period + grace', async () => {
    const d = dog([{ name: 'bot', periodSec: 60, graceSec: 30, tripOnFailure: false }], {
      clockSkewToleranceMs: 2 * HOUR,
    });
    await writerWithClock({ now: () => clock.now() + HOUR }).beat('bot');
    assert.equal((await d.check()).results[0]?.ok, true, 'within the (wide) tolerance and fresh');
    clock.advance(91_000);
    const r = await d.check();
    assert.equal(r.results[0]?.kind, 'late');
    assert.match(r.results[0]!.detail!, /stale: 91s > 90s \(by the time it was received\)/);
  });

  it('judges a cron job on when its run was received, not on its stamp', async () => {
    const d = dog([{ name: 'nightly', cron: '0 3 * * *', graceSec: 600 }], { clockSkewToleranceMs: 2 * DAY });
    // The job's clock is a day ahead: its run "of tomorrow" must not count for today's 03:00.
    await writerWithClock({ now: () => clock.now() + DAY }).beat('nightly');
    assert.equal((await d.check()).results[0]?.ok, true);
    clock.set(Date.UTC(2026, 10, 25, 3, 11, 0));
    const r = await d.check();
    assert.equal(r.results[0]?.kind, 'late');
  });

  it('takes the tolerance from the options', async () => {
    await writerWithClock({ now: () => clock.now() + 3000 }).beat('bot');
    const loose = await dog([{ name: 'bot', periodSec: 60 }]).check();
    assert.equal(loose.results[0]?.ok, true, '3 s ahead is within the default 5 s');
    const strict = await dog([{ name: 'bot', periodSec: 60 }], { clockSkewToleranceMs: 1000 }).check();
    assert.equal(strict.results[0]?.kind, 'clock_skew');
    assert.throws(() => dog([], { clockSkewToleranceMs: -1 }), /clockSkewToleranceMs/);
  });

  it('calls a beat received ahead of the watchdog clock_skew (the store and this host disagree)', async () => {
    // Writer and watchdog agree; the store (which stamps the received time) is a minute ahead.
    const behind = new ManualClock(T0 - 60_000);
    await writerWithClock(behind).beat('bot');
    const d = new Watchdog({
      store,
      expectations: [exp({ name: 'bot', periodSec: 60, tripOnFailure: false })],
      alerts,
      clock: behind,
    });
    const r = await d.check();
    assert.equal(r.results[0]?.kind, 'clock_skew');
    assert.match(
      r.results[0]!.detail!,
      /received 60s ahead of the watchdog's clock .*the store's clock and this host's disagree/,
    );
  });

  it('calls a file heartbeat stamped a day ahead clock_skew, and late once it stops, counting from first seen', async () => {
    const d = dog([{ name: 'pybot', periodSec: 60, graceSec: 0, file: 'heartbeat.json' }]);
    writeFileSync(
      join(dir, 'heartbeat.json'),
      JSON.stringify({ at: (T0 + DAY) / 1000, iso: 'x', status: 'ok' }),
    );
    const r = await d.check();
    assert.equal(r.results[0]?.kind, 'clock_skew');
    assert.equal(ks.isHalted(), true);
    clock.advance(61_000);
    const late = await d.check();
    assert.equal(
      late.results[0]?.kind,
      'late',
      'the file did not change for 61 s: it is late, not fresh for a day',
    );
    // A new stamp (still a day ahead) is a new beat, first seen now.
    writeFileSync(
      join(dir, 'heartbeat.json'),
      JSON.stringify({ at: (clock.now() + DAY) / 1000, iso: 'x', status: 'ok' }),
    );
    assert.equal((await d.check()).results[0]?.kind, 'clock_skew');
  });

  it('remembers when a file beat was first seen across watchdog processes', async () => {
    writeFileSync(join(dir, 'py.json'), JSON.stringify({ at: (T0 + HOUR) / 1000, iso: 'x', status: 'ok' }));
    const e = [{ name: 'pybot', periodSec: 60, graceSec: 0, file: 'py.json', tripOnFailure: false }];
    await dog(e, { clockSkewToleranceMs: 2 * HOUR }).check();
    clock.advance(61_000);
    const r = await dog(e, { clockSkewToleranceMs: 2 * HOUR }).check();
    assert.equal(r.results[0]?.kind, 'late');
  });
});
