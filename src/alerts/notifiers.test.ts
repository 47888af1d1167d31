import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertChannelConfig } from '../config/index.js';
import { SqliteStore } from '../store/index.js';
import { ManualClock } from '../util/clock.js';
import { Alerter } from './alerter.js';
import { TestHttpServer } from './test-http-server.js';
import type { AlertInput, Env } from './types.js';

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const TOKEN = '123456789:AAH-secret-token_XYZ';
const dbPath = () => join(mkdtempSync(join(tmpdir(), 'warden-notifiers-')), 'warden.db');
const INPUT: AlertInput = {
  key: 'heartbeat:bot:late',
  severity: 'critical',
  title: 'bot is late',
  body: 'last beat 20 min ago',
};

function setup(
  store: SqliteStore,
  channel: AlertChannelConfig,
  env: Env = {},
): { alerter: Alerter; clock: ManualClock; log: string[]; stderr: string[] } {
  const clock = new ManualClock(T0);
  const log: string[] = [];
  const stderr: string[] = [];
  const alerter = new Alerter({
    store,
    channels: [channel],
    ratePerMinute: 20,
    maxAttempts: 5,
    clock,
    random: () => 0,
    env,
    log: (l) => log.push(l),
    stderr: (l) => stderr.push(l),
  });
  return { alerter, clock, log, stderr };
}

const telegram = (apiBase: string): AlertChannelConfig => ({
  type: 'telegram',
  botTokenEnv: 'TG_TOKEN',
  chatId: -100123,
  apiBase,
});

describe('stderr channel', () => {
  it('writes one line per alert', async () => {
    await using store = SqliteStore.open(dbPath());
    const { alerter, stderr } = setup(store, { type: 'stderr' });
    await (
      await alerter.alert({ ...INPUT, body: 'line one\nline two' })
    ).delivered;
    assert.deepEqual(stderr, [
      '2026-11-24T09:00:00.000Z warden alert [critical] bot is late: line one | line two (key heartbeat:bot:late)\n',
    ]);
    await alerter.close();
  });
});

describe('generic webhook channel', () => {
  it('POSTs {title, body, severity, key, at} as JSON', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    const { alerter } = setup(
      store,
      { type: 'webhook', urlEnv: 'HOOK_URL' },
      { HOOK_URL: `${server.base}/in/abc` },
    );
    await (
      await alerter.alert(INPUT)
    ).delivered;
    const [req] = server.requests;
    assert.equal(req?.method, 'POST');
    assert.equal(req?.path, '/in/abc');
    assert.equal(req?.headers['content-type'], 'application/json');
    assert.deepEqual(req?.json, {
      title: 'bot is late',
      body: 'last beat 20 min ago',
      severity: 'critical',
      key: 'heartbeat:bot:late',
      at: '2026-11-24T09:00:00.000Z',
    });
    await alerter.close();
  });
});

describe('Slack channel', () => {
  it('POSTs {text} to the incoming webhook, escaping & < >', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    server.fallback = { status: 200, body: 'ok' };
    const { alerter } = setup(
      store,
      { type: 'slack', urlEnv: 'SLACK_URL' },
      { SLACK_URL: `${server.base}/services/T0/B0/x` },
    );
    await (
      await alerter.alert({ ...INPUT, body: 'pnl < 0 & falling' })
    ).delivered;
    const [req] = server.requests;
    assert.equal(req?.path, '/services/T0/B0/x');
    assert.deepEqual(req?.json, {
      text: '*[CRITICAL] bot is late*\npnl &lt; 0 &amp; falling\n_key: heartbeat:bot:late · raised 2026-11-24 09:00:00 UTC_',
    });
    assert.equal((await store.alerts.list())[0]?.status, 'sent');
    await alerter.close();
  });

  it('honours a 429 Retry-After header', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    server.answer({ status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } });
    const { alerter, clock } = setup(store, { type: 'slack', url: `${server.base}/services/x` });
    assert.equal((await (await alerter.alert(INPUT)).delivered).retrying, 1);
    assert.equal((await store.alerts.list())[0]?.nextAttemptAt, T0 + 30_000);
    clock.advance(29_999);
    assert.equal((await alerter.flush()).sent, 0);
    clock.advance(1);
    assert.equal((await alerter.flush()).sent, 1);
    assert.equal(server.requests.length, 2);
    await alerter.close();
  });
});

describe('Discord channel', () => {
  it('POSTs {content} with mentions disabled and accepts a 204', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    server.fallback = { status: 204 };
    const { alerter } = setup(
      store,
      { type: 'discord', urlEnv: 'DISCORD_URL' },
      { DISCORD_URL: `${server.base}/api/webhooks/1/tok` },
    );
    await (
      await alerter.alert({ ...INPUT, body: '@everyone look' })
    ).delivered;
    const [req] = server.requests;
    assert.equal(req?.path, '/api/webhooks/1/tok');
    assert.deepEqual(req?.json, {
      content:
        '[CRITICAL] bot is late\n@everyone look\nkey: heartbeat:bot:late · raised 2026-11-24 09:00:00 UTC',
      allowed_mentions: { parse: [] },
    });
    assert.equal((await store.alerts.list())[0]?.status, 'sent');
    await alerter.close();
  });

  it('honours retry_after (seconds) from a 429 body and holds the channel until then', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    server.answer({
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: 1.5, global: false },
    });
    server.fallback = { status: 204 };
    const { alerter, clock } = setup(store, { type: 'discord', url: `${server.base}/api/webhooks/1/tok` });
    await (
      await alerter.alert(INPUT)
    ).delivered;
    const [row] = await store.alerts.list();
    assert.equal(row?.nextAttemptAt, T0 + 1500);
    assert.match(row?.lastError ?? '', /HTTP 429 .*You are being rate limited/);
    // A second alert waits for the channel too.
    assert.equal((await (await alerter.alert({ ...INPUT, key: 'other' })).delivered).held, 1);
    assert.equal(server.requests.length, 1);
    clock.advance(60_001);
    assert.equal((await alerter.flush()).sent, 2);
    await alerter.close();
  });
});

describe('Telegram channel', () => {
  it('POSTs sendMessage to {apiBase}/bot{token} with {chat_id, text, disable_web_page_preview}', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    server.fallback = { status: 200, body: { ok: true, result: { message_id: 1 } } };
    const { alerter } = setup(store, telegram(server.base), { TG_TOKEN: TOKEN });
    await (
      await alerter.alert(INPUT)
    ).delivered;
    const [req] = server.requests;
    assert.equal(req?.method, 'POST');
    assert.equal(req?.path, `/bot${TOKEN}/sendMessage`);
    assert.equal(req?.headers['content-type'], 'application/json');
    assert.deepEqual(req?.json, {
      chat_id: -100123,
      text: '[CRITICAL] bot is late\nlast beat 20 min ago\nkey: heartbeat:bot:late · raised 2026-11-24 09:00:00 UTC',
      disable_web_page_preview: true,
    });
    assert.equal((await store.alerts.list())[0]?.status, 'sent');
    await alerter.close();
  });

  it('honours parameters.retry_after from a 429', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    server.answer({
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 7',
        parameters: { retry_after: 7 },
      },
    });
    const { alerter, clock } = setup(store, telegram(server.base), { TG_TOKEN: TOKEN });
    await (
      await alerter.alert(INPUT)
    ).delivered;
    assert.equal((await store.alerts.list())[0]?.nextAttemptAt, T0 + 7000);
    clock.advance(6999);
    assert.equal((await alerter.flush()).sent, 0);
    clock.advance(1);
    assert.equal((await alerter.flush()).sent, 1);
    assert.equal(server.requests.length, 2);
    await alerter.close();
  });

  it('fails at once on a 400 (chat not found)', async () => {
    await using server = await TestHttpServer.start();
    await using store = SqliteStore.open(dbPath());
    server.answer({
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' },
    });
    const { alerter } = setup(store, telegram(server.base), { TG_TOKEN: TOKEN });
    assert.equal((await (await alerter.alert(INPUT)).delivered).failed, 1);
    const [row] = await store.alerts.list();
    assert.equal(row?.status, 'failed');
    assert.match(
      row?.lastError ?? '',
      /HTTP 400 from http:\/\/127\.0\.0\.1:\d+\/\*\*\*: Bad Request: chat not found/,
    );
    await alerter.close();
  });

  it('keeps the alert when the token env var is missing, and says which variable', async () => {
    await using store = SqliteStore.open(dbPath());
    const { alerter, log } = setup(store, telegram('http://127.0.0.1:9'));
    assert.equal(alerter.channels[0]?.problem, 'environment variable TG_TOKEN is not set');
    assert.equal((await (await alerter.alert(INPUT)).delivered).retrying, 1);
    assert.equal((await store.alerts.list())[0]?.status, 'pending');
    assert.match(log.join('\n'), /TG_TOKEN is not set/);
    await alerter.close();
  });
});
