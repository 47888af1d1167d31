import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SqliteStore } from '../store/index.js';
import { ManualClock } from '../util/clock.js';
import { Alerter } from './alerter.js';
import { closedPortBase, TestHttpServer } from './test-http-server.js';

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const tmp = () => mkdtempSync(join(tmpdir(), 'warden-alerts-safety-'));
const here = (f: string) => pathToFileURL(fileURLToPath(new URL(f, import.meta.url))).href;

describe('Alerter safety', () => {
  it('never puts a token or webhook URL in errors, outbox rows, events or log lines', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(join(tmp(), 'w.db'));
    const down = await closedPortBase();
    const token = '987654:TOPSECRET-token';
    const slackPath = '/services/T000/B000/SLACKSECRET';
    // Endpoints that echo the secret back in their error bodies, as real ones sometimes do.
    server.answer(
      {
        status: 404,
        body: { ok: false, error_code: 404, description: `Not Found: /bot${token}/sendMessage` },
      },
      { status: 403, body: `invalid_token for ${server.base}${slackPath}` },
    );
    const log: string[] = [];
    const events: string[] = [];
    const alerter = new Alerter({
      store,
      channels: [
        { type: 'telegram', botTokenEnv: 'TG', chatId: 1, apiBase: server.base },
        { type: 'slack', urlEnv: 'SLACK' },
        // Down: the network error must not carry the path either.
        { type: 'discord', urlEnv: 'DISCORD' },
      ],
      ratePerMinute: 10,
      maxAttempts: 3,
      clock: new ManualClock(T0),
      env: {
        TG: token,
        SLACK: `${server.base}${slackPath}`,
        DISCORD: `${down}/api/webhooks/1/DISCORDSECRET`,
      },
      log: (l) => log.push(l),
    });
    alerter.onFailed((e) => events.push(e.error));
    await (
      await alerter.alert({ key: 'k', severity: 'critical', title: 't', body: 'b' })
    ).delivered;
    const rows = await store.alerts.list();
    const seen = [...log, ...events, ...rows.map((r) => r.lastError ?? '')].join('\n');
    assert.equal(rows.filter((r) => r.lastError !== null).length, 3, seen);
    for (const secret of [token, 'TOPSECRET', 'SLACKSECRET', 'DISCORDSECRET', slackPath]) {
      assert.ok(!seen.includes(secret), `"${secret}" leaked into:\n${seen}`);
    }
    assert.match(seen, /HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/\*\*\*: Not Found: \*\*\*/);
    assert.match(
      seen,
      /HTTP 403 from http:\/\/127\.0\.0\.1:\d+\/\*\*\*: invalid_token for http:\/\/127\.0\.0\.1:\d+\/\*\*\*/,
    );
    assert.match(seen, /network error: .*ECONNREFUSED.*\(http:\/\/127\.0\.0\.1:\d+\/\*\*\*\)/);
    await alerter.close();
  });

  it('loses nothing when the process is killed between recording and sending', async () => {
    await using server = await TestHttpServer.start();
    const dir = tmp();
    const db = join(dir, 'w.db');
    // The endpoint never answers the first request: the child dies with its send in flight.
    server.answer({ status: 200, hang: true });
    const child = join(dir, 'child.mts');
    writeFileSync(
      child,
      `import { SqliteStore } from '${here('../store/index.ts')}';
import { Alerter } from '${here('./alerter.ts')}';
const store = SqliteStore.open(process.argv[2]);
const alerter = new Alerter({ store, channels: [{ type: 'webhook', url: process.argv[3] }],
  ratePerMinute: 10, maxAttempts: 5, timeoutMs: 30000, leaseMs: 60000, log: () => {} });
await alerter.alert({ key: 'crash', severity: 'critical', title: 'halted', body: 'watchdog tripped' });
process.stdout.write('recorded\\n');
`,
    );
    const proc = spawn(process.execPath, ['--import', 'tsx', child, db, `${server.base}/hook`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      proc.on('exit', (_c, sig) => resolve(sig)),
    );
    await server.waitFor(1);
    proc.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');

    await using store = SqliteStore.open(db);
    const [leased] = await store.alerts.list();
    assert.equal(leased?.status, 'pending');
    // A fresh process (here: a fresh Alerter on the same file) picks it up once the dead one's lease ends.
    const clock = new ManualClock(Date.now());
    const alerter = new Alerter({
      store,
      channels: [{ type: 'webhook', url: `${server.base}/hook` }],
      ratePerMinute: 10,
      maxAttempts: 5,
      clock,
      log: () => {},
    });
    assert.equal((await alerter.flush()).sent, 0, 'still leased to the dead process');
    clock.advance(60_001);
    assert.equal((await alerter.flush()).sent, 1);
    assert.equal(server.requests.length, 2);
    assert.equal((server.requests[1]?.json as { key: string }).key, 'crash');
    assert.equal((await store.alerts.list())[0]?.status, 'sent');
    await alerter.close();
  });

  it('sends an alert recorded by a process that died before flushing', async () => {
    await using server = await TestHttpServer.start();
    const db = join(tmp(), 'w.db');
    {
      await using dead = SqliteStore.open(db);
      await dead.alerts.enqueue({
        channel: 'webhook',
        dedupeKey: 'k',
        severity: 'critical',
        title: 't',
        body: 'b',
        createdAt: T0,
      });
    }
    await using store = SqliteStore.open(db);
    const alerter = new Alerter({
      store,
      channels: [{ type: 'webhook', url: `${server.base}/hook` }],
      ratePerMinute: 10,
      maxAttempts: 5,
      clock: new ManualClock(T0 + 1),
      log: () => {},
    });
    assert.equal((await alerter.flush()).sent, 1);
    await alerter.close();
  });

  it('does not double-send when two Alerters share one store file', async () => {
    await using server = await TestHttpServer.start();
    // Slow answers, so both alerters are mid-flush at once.
    server.fallback = { status: 200, delayMs: 20 };
    const db = join(tmp(), 'w.db');
    await using s1 = SqliteStore.open(db);
    await using s2 = SqliteStore.open(db);
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    for (const k of keys)
      await s1.alerts.enqueue({
        channel: 'webhook',
        dedupeKey: k,
        severity: 'info',
        title: k,
        body: '',
        createdAt: T0,
      });
    const make = (store: SqliteStore) =>
      new Alerter({
        store,
        channels: [{ type: 'webhook', url: `${server.base}/hook` }],
        ratePerMinute: 100,
        maxAttempts: 5,
        batchSize: 2,
        clock: new ManualClock(T0),
        log: () => {},
      });
    const a = make(s1);
    const b = make(s2);
    const [ra, rb] = await Promise.all([a.flush(), b.flush()]);
    assert.equal(ra.sent + rb.sent, keys.length);
    assert.ok(ra.sent > 0 && rb.sent > 0, `both took part: ${ra.sent} + ${rb.sent}`);
    const sentKeys = server.requests.map((r) => (r.json as { key: string }).key).sort();
    assert.deepEqual(sentKeys, keys);
    await Promise.all([a.close(), b.close()]);
  });

  it('flushes on an unref-ed background loop until closed', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(join(tmp(), 'w.db'));
    await store.alerts.enqueue({
      channel: 'webhook',
      dedupeKey: 'k',
      severity: 'info',
      title: 't',
      body: '',
      createdAt: T0,
    });
    const alerter = new Alerter({
      store,
      channels: [{ type: 'webhook', url: `${server.base}/hook` }],
      ratePerMinute: 10,
      maxAttempts: 5,
      clock: new ManualClock(T0),
      log: () => {},
    });
    alerter.start();
    await server.waitFor(1);
    await alerter.close();
    assert.equal(server.requests.length, 1);
  });
});
