import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type Store } from '../store/index.js';
import { ManualClock } from '../util/clock.js';
import { Alerter } from './alerter.js';
import type { AlerterOptions } from './alerter-types.js';
import { AlertOutboxError } from './alert-outbox-error.js';
import { createAlerter } from './create-alerter.js';
import { closedPortBase, TestHttpServer } from './test-http-server.js';

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const dbPath = () => join(mkdtempSync(join(tmpdir(), 'warden-alerts-')), 'warden.db');

function webhookAlerter(
  store: SqliteStore,
  server: TestHttpServer,
  more: Partial<AlerterOptions> = {},
): { alerter: Alerter; clock: ManualClock; log: string[] } {
  const clock = new ManualClock(T0);
  const log: string[] = [];
  const alerter = new Alerter({
    store,
    channels: [{ type: 'webhook', url: `${server.base}/hook` }],
    ratePerMinute: 20,
    maxAttempts: 5,
    clock,
    random: () => 0,
    log: (l) => log.push(l),
    ...more,
  });
  return { alerter, clock, log };
}

describe('Alerter', () => {
  it('records the alert before sending and posts it to the webhook', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    const { alerter } = webhookAlerter(store, server);
    const receipt = await alerter.alert({
      key: 'inc-1',
      severity: 'critical',
      title: 'bot late',
      body: 'no beat',
    });
    assert.deepEqual(receipt.queued, ['webhook']);
    assert.deepEqual(await receipt.delivered, { sent: 1, retrying: 0, failed: 0, held: 0 });
    assert.equal(server.requests.length, 1);
    const [row] = await store.alerts.list();
    assert.equal(row?.status, 'sent');
    assert.equal(row?.sentAt, T0);
    await alerter.close();
  });

  it('retries with backoff after a 500, then sends (no sleeping)', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    server.answer({ status: 500, body: 'upstream down' });
    const { alerter, clock, log } = webhookAlerter(store, server);
    const r = await alerter.alert({ key: 'k', severity: 'warning', title: 't', body: 'b' });
    assert.deepEqual(await r.delivered, { sent: 0, retrying: 1, failed: 0, held: 0 });
    let [row] = await store.alerts.list();
    assert.equal(row?.status, 'pending');
    assert.equal(row?.attempts, 1);
    // random() = 0 → the lower edge of equal jitter: half of the 1 s initial delay.
    assert.equal(row?.nextAttemptAt, T0 + 500);
    assert.match(row?.lastError ?? '', /HTTP 500 .*upstream down/);
    assert.match(log.join('\n'), /attempt 1\/5 failed/);
    clock.advance(499);
    assert.deepEqual(await alerter.flush(), { sent: 0, retrying: 0, failed: 0, held: 0 });
    clock.advance(1);
    assert.equal((await alerter.flush()).sent, 1);
    [row] = await store.alerts.list();
    assert.equal(row?.status, 'sent');
    assert.equal(server.requests.length, 2);
    await alerter.close();
  });

  it('doubles the wait per failure and gives up after maxAttempts', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    server.fallback = { status: 503 };
    const { alerter, clock } = webhookAlerter(store, server, { maxAttempts: 3, random: () => 1 });
    const failed: boolean[] = [];
    alerter.onFailed((e) => failed.push(e.final));
    await (
      await alerter.alert({ key: 'k', severity: 'info', title: 't', body: '' })
    ).delivered;
    assert.equal((await store.alerts.list())[0]?.nextAttemptAt, T0 + 1000);
    clock.advance(1000);
    await alerter.flush();
    assert.equal((await store.alerts.list())[0]?.nextAttemptAt, T0 + 1000 + 2000);
    clock.advance(2000);
    await alerter.flush();
    const [row] = await store.alerts.list();
    assert.equal(row?.status, 'failed');
    assert.equal(row?.attempts, 3);
    assert.deepEqual(failed, [false, false, true]);
    clock.advance(3_600_000);
    await alerter.flush();
    assert.equal(server.requests.length, 3);
    await alerter.close();
  });

  it('marks a 400 failed at once and never retries it', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    server.answer({ status: 400, body: { error: 'bad payload' } });
    const { alerter, clock } = webhookAlerter(store, server);
    const r = await alerter.alert({ key: 'k', severity: 'info', title: 't', body: 'b' });
    assert.deepEqual(await r.delivered, { sent: 0, retrying: 0, failed: 1, held: 0 });
    const [row] = await store.alerts.list();
    assert.equal(row?.status, 'failed');
    assert.equal(row?.attempts, 1);
    assert.match(row?.lastError ?? '', /HTTP 400/);
    clock.advance(86_400_000);
    await alerter.flush();
    assert.equal(server.requests.length, 1);
    await alerter.close();
  });

  it('sends one alert per incident key per channel', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    const { alerter } = webhookAlerter(store, server);
    const first = await alerter.alert({
      key: 'heartbeat:bot:late',
      severity: 'critical',
      title: 'late',
      body: '',
    });
    await first.delivered;
    const again = await alerter.alert({
      key: 'heartbeat:bot:late',
      severity: 'critical',
      title: 'late',
      body: '',
    });
    assert.deepEqual(again.queued, []);
    assert.deepEqual(again.duplicate, ['webhook']);
    await again.delivered;
    await alerter.flush();
    assert.equal(server.requests.length, 1);
    await alerter.close();
  });

  it('holds alerts over ratePerMinute in the outbox and sends them the next minute', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    const { alerter, clock } = webhookAlerter(store, server, { ratePerMinute: 2 });
    for (const k of ['a', 'b', 'c']) {
      const r = await alerter.alert({ key: k, severity: 'warning', title: k, body: '' });
      await r.delivered;
      clock.advance(1000);
    }
    assert.equal(server.requests.length, 2);
    assert.equal((await store.alerts.list({ status: 'pending' })).length, 1);
    clock.advance(60_000);
    assert.equal((await alerter.flush()).sent, 1);
    assert.deepEqual(
      server.requests.map((r) => (r.json as { key: string }).key),
      ['a', 'b', 'c'],
    );
    await alerter.close();
  });

  it('never fails the caller when the channel is down', async () => {
    await using store = SqliteStore.open(dbPath());
    const log: string[] = [];
    const alerter = new Alerter({
      store,
      // A port nobody listens on.
      channels: [{ type: 'webhook', url: `${await closedPortBase()}/hook` }],
      ratePerMinute: 5,
      maxAttempts: 5,
      clock: new ManualClock(T0),
      log: (l) => log.push(l),
    });
    const r = await alerter.alert({ key: 'k', severity: 'critical', title: 't', body: 'b' });
    assert.equal((await r.delivered).retrying, 1);
    assert.match(log.join('\n'), /network error: .*ECONNREFUSED/);
    await alerter.close();
  });

  it('survives a store error in the middle of a flush and sends on the next one', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    let failNext = true;
    const flaky: Store = {
      kind: store.kind,
      location: store.location,
      killSwitch: store.killSwitch,
      heartbeats: store.heartbeats,
      incidents: store.incidents,
      kv: store.kv,
      orders: store.orders,
      dlq: store.dlq,
      decisionHeads: store.decisionHeads,
      fleet: store.fleet,
      modes: store.modes,
      strategyState: store.strategyState,
      sharedBreakers: store.sharedBreakers,
      now: () => store.now(),
      migrate: () => store.migrate(),
      schemaVersion: () => store.schemaVersion(),
      close: () => store.close(),
      alerts: {
        ...store.alerts,
        claimDue: (now, limit, leaseMs) => {
          if (failNext) {
            failNext = false;
            throw new Error('disk I/O error');
          }
          return store.alerts.claimDue(now, limit, leaseMs);
        },
      },
    };
    const { alerter, log } = webhookAlerter(store, server, { store: flaky });
    const r = await alerter.alert({ key: 'k', severity: 'critical', title: 't', body: 'b' });
    assert.deepEqual(await r.delivered, { sent: 0, retrying: 0, failed: 0, held: 0 });
    assert.match(log.join('\n'), /flush stopped: disk I\/O error/);
    assert.equal((await alerter.flush()).sent, 1);
    await alerter.close();
  });

  it('says so when the store cannot record the alert', async () => {
    const store = SqliteStore.open(dbPath());
    const alerter = new Alerter({
      store,
      channels: [{ type: 'stderr' }],
      ratePerMinute: 5,
      maxAttempts: 5,
      stderr: () => {},
    });
    await store.close();
    await assert.rejects(
      alerter.alert({ key: 'k', severity: 'critical', title: 'halted', body: '' }),
      (err: unknown) =>
        err instanceof AlertOutboxError &&
        /could not be recorded in the outbox for channel stderr/.test(err.message),
    );
    await alerter.close();
  });

  it('validates options and alert input, naming the option and the value', async () => {
    await using store = SqliteStore.open(dbPath());
    const base = { store, channels: [{ type: 'stderr' as const }], ratePerMinute: 5, maxAttempts: 5 };
    assert.throws(
      () => new Alerter({ ...base, ratePerMinute: 0 }),
      /ratePerMinute must be an integer >= 1, got 0/,
    );
    assert.throws(() => new Alerter({ ...base, maxAttempts: 1.5 }), /maxAttempts .* got 1.5/);
    assert.throws(
      () => new Alerter({ ...base, timeoutMs: 5000, leaseMs: 4000 }),
      /leaseMs must exceed timeoutMs/,
    );
    assert.throws(
      () =>
        new Alerter({
          ...base,
          channels: [{ type: 'stderr' }, { type: 'webhook', name: 'stderr', url: 'http://x.test/' }],
        }),
      /two channels are named "stderr"/,
    );
    const a = new Alerter({ ...base, stderr: () => {} });
    await assert.rejects(a.alert({ key: '', severity: 'info', title: 't', body: '' }), RangeError);
    await a.close();
  });

  it('names repeated channels type:N and builds from the config with createAlerter', async () => {
    await using store = SqliteStore.open(dbPath());
    const alerter = createAlerter(
      {
        alerts: {
          channels: [
            { type: 'stderr' },
            { type: 'webhook', url: 'http://a.test/x' },
            { type: 'webhook', url: 'http://b.test/y' },
          ],
          ratePerMinute: 20,
          maxAttempts: 10,
        },
      },
      store,
      { stderr: () => {} },
    );
    assert.deepEqual(
      alerter.channels.map((c) => c.name),
      ['stderr', 'webhook', 'webhook:2'],
    );
    await alerter.close();
  });
});
