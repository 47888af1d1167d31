import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type Store } from '../store/index.js';
import { CollectingAlerts } from '../util/test-collector.js';
import { ExchangeSimulator, InProcessExchange } from '../exchange/index.js';
import { Watchdog } from './watchdog.js';
import { ExchangeReferenceClock, type ReferenceClock, type ReferenceReading } from './reference-clock.js';
import { ReferenceClockError } from './reference-clock-error.js';

/** A reference whose answer the test sets. */
class ScriptedReference implements ReferenceClock {
  answer: ReferenceReading | Error | 'hang';
  constructor(
    readonly name: string,
    answer: ReferenceReading | Error | 'hang',
  ) {
    this.answer = answer;
  }
  now(): Promise<ReferenceReading> {
    const a = this.answer;
    if (a === 'hang') return new Promise(() => undefined);
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  }
}
const reading = (driftMs: number): ReferenceReading => ({
  time: 1_000_000 - driftMs,
  localTime: 1_000_000,
  rttMs: 4,
});

describe('clock drift against references that are not this host', () => {
  let dir: string;
  let store: Store;
  let alerts: CollectingAlerts;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-drift-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
    alerts = new CollectingAlerts();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const dog = (references: ReferenceClock[], referenceTimeoutMs = 1000) =>
    new Watchdog({ store, expectations: [], alerts, references, maxClockDriftMs: 2000, referenceTimeoutMs });

  it('alerts once when this host is ahead of a reference, and once when it is back in bounds', async () => {
    const ref = new ScriptedReference('sntp:ref:123', reading(10_000));
    const d = dog([ref]);
    const r = await d.check();
    assert.equal(r.clockDriftMs, 10_000);
    assert.deepEqual(r.clocks, [{ name: 'sntp:ref:123', state: 'drift', driftMs: 10_000, rttMs: 4 }]);
    assert.deepEqual(alerts.titles(), ['Clock drift']);
    assert.match(alerts.alerts[0]!.body, /10000 ms ahead of sntp:ref:123 \(bound 2000 ms, round trip 4 ms\)/);
    await d.check();
    assert.equal(alerts.alerts.length, 1, 'one alert per incident');
    ref.answer = reading(-150);
    assert.equal((await d.check()).clocks[0]?.state, 'ok');
    assert.deepEqual(alerts.titles(), ['Clock drift', 'Clock back in bounds']);
  });

  it('reports a reference that cannot be read as unreachable, never as no drift', async () => {
    const down = new ScriptedReference('postgres', new ReferenceClockError('postgres', 'connection refused'));
    const hang = new ScriptedReference('venue:x', 'hang');
    const d = dog([down, hang], 100);
    const r = await d.check();
    assert.equal(r.clockDriftMs, null);
    assert.deepEqual(
      r.clocks.map((c) => [c.name, c.state]),
      [
        ['postgres', 'unreachable'],
        ['venue:x', 'unreachable'],
      ],
    );
    assert.match((r.clocks[1] as { error: string }).error, /no answer within 100 ms/);
    assert.deepEqual(alerts.titles(), [
      'Clock reference postgres unreachable',
      'Clock reference venue:x unreachable',
    ]);
    down.answer = reading(0);
    await d.check();
    assert.equal(alerts.titles().at(-1), 'Clock reference postgres answers again');
    assert.equal((await store.incidents.list()).map((i) => i.kind).join(), 'clock_reference_unreachable');
  });

  it("uses the venue's server time: a venue 5 s behind shows this host 5 s ahead", async () => {
    const sim = new ExchangeSimulator({
      markets: [{ symbol: 'BTC/USDT', mid: 100, spreadBps: 10 }],
      balances: { USDT: 1000 },
      clock: { now: () => Date.now() - 5000 },
    });
    const ref = new ExchangeReferenceClock(new InProcessExchange(sim));
    assert.equal(ref.name, 'venue:simulator');
    const r = await dog([ref]).check();
    const c = r.clocks[0]!;
    assert.ok(c.state === 'drift' && Math.abs(c.driftMs - 5000) < 500, JSON.stringify(c));
  });

  it('refuses two references with one name', () => {
    assert.throws(
      () => dog([new ScriptedReference('a', reading(0)), new ScriptedReference('a', reading(0))]),
      /appears twice/,
    );
  });
});
