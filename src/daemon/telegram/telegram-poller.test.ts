// The Telegram commands against a local server speaking the Bot API (getUpdates long polls,
// sendMessage), with a real SQLite store, a real kill switch and a real decision log.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectingStream } from '../../util/test-collector.js';
import { SqliteStore } from '../../store/index.js';
import { KillSwitch } from '../../killswitch/index.js';
import { DecisionLog } from '../../decisions/index.js';
import { readDecisionsSince } from '../routes/decision-routes.js';
import { DeadLetterQueue, createSqliteOrderStores, type SqliteOrderStores } from '../../orders/index.js';
import { Redactor } from '../../alerts/index.js';
import { constantBackoff } from '../../resilience/retry/backoff.js';
import type { AlertInput } from '../../util/alert-sink.js';
import { createLogger } from '../logger.js';
import { AllowList } from './allow-list.js';
import { BotApi } from './bot-api.js';
import { TelegramCommands } from './telegram-commands.js';
import { TelegramPoller, offsetKey, type TelegramCounters } from './telegram-poller.js';
import { FakeBotApi } from './test-bot-api.js';
import { StrategyBreaker } from '../../strategy/index.js';

const TOKEN = '7000001:AAH-secret-token-for-tests_x9';
const ALICE = { id: 111, username: 'alice' };
const BOB = { id: 222 };
const CHAT = 111;
const GROUP = -100500;

interface Rig {
  dir: string;
  store: SqliteStore;
  ks: KillSwitch;
  api: FakeBotApi;
  alerts: AlertInput[];
  logs: string[];
  counted: string[];
  decisions: DecisionLog;
  orders: SqliteOrderStores;
  poller: TelegramPoller;
  /** A new poller on the same store and server (a restart). */
  restart(): Promise<void>;
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.poller.close();
    await r.api.close();
    await r.ks.close();
    await r.decisions.close();
    await r.orders.close();
    await r.store.close();
  }
});

/** A logger whose lines are kept (no redactor: what the poller logs must be free of the token by itself). */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; logs: string[] } {
  const { stream: out, lines: logs } = collectingStream();
  return { logger: createLogger({ out, errors: out, pretty: false }), logs };
}

/** The commands over the rig's store: one heartbeat `bot`, a strategy state file in `dir`, its DLQ and decision log. */
function testCommands(
  dir: string,
  store: SqliteStore,
  ks: KillSwitch,
  orders: SqliteOrderStores,
  decisions: DecisionLog,
  resumeMaxAgeMs: number,
): TelegramCommands {
  return new TelegramCommands({
    killSwitch: ks,
    store,
    heartbeats: [
      { name: 'bot', periodSec: 60, graceSec: 30, timezone: 'UTC', tripOnFailure: true, flatten: false },
    ],
    strategy: {
      breaker: new StrategyBreaker({
        statePath: join(dir, 'strategy_state.json'),
        watch: false,
        reloadIntervalMs: 0,
      }),
      stateKey: 'strategies',
    },
    dlq: new DeadLetterQueue(orders.dlq),
    decisions,
    resumeMaxAgeMs,
  });
}

async function rig(
  o: {
    token?: string;
    allowUserIds?: number[];
    replyEveryMs?: number;
    resumeMaxAgeMs?: number;
    outageAlertAfterMs?: number;
    start?: boolean;
  } = {},
): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-telegram-'));
  const store = SqliteStore.open(join(dir, 'warden.db'));
  const alerts: AlertInput[] = [];
  const sink = { alert: (a: AlertInput) => (alerts.push(a), Promise.resolve()) };
  const ks = await KillSwitch.open({ store, dataDir: dir, source: 'daemon', pollMs: 0, alerts: sink });
  const api = await FakeBotApi.start({ token: TOKEN });
  const { logger, logs } = capturedLogger();
  const counted: string[] = [];
  const counters: TelegramCounters = {
    command: (n, outcome) => counted.push(`${n}:${outcome}`),
    pollFailure: (k) => counted.push(`poll:${k}`),
  };
  const decisions = DecisionLog.open({ dir: join(dir, 'decisions'), flushIntervalMs: 1 });
  const orders = createSqliteOrderStores(store.database);
  const make = (): TelegramPoller =>
    new TelegramPoller({
      api: new BotApi({
        apiBase: api.base,
        token: o.token ?? TOKEN,
        redactor: new Redactor([o.token ?? TOKEN]),
      }),
      store,
      commands: testCommands(dir, store, ks, orders, decisions, o.resumeMaxAgeMs ?? 300_000),
      allow: new AllowList({
        chatIds: [CHAT, String(GROUP)],
        userIds: o.allowUserIds,
        replyEveryMs: o.replyEveryMs ?? 3_600_000,
      }),
      alerts: sink,
      logger,
      pollTimeoutSec: 2,
      outageAlertAfterMs: o.outageAlertAfterMs ?? 600_000,
      backoff: constantBackoff(50),
      counters,
    });
  const r: Rig = {
    dir,
    store,
    ks,
    api,
    alerts,
    logs,
    counted,
    decisions,
    orders,
    poller: make(),
    async restart() {
      await r.poller.close();
      r.poller = make();
      r.poller.start();
    },
  };
  rigs.push(r);
  if (o.start !== false) r.poller.start();
  return r;
}

const say = (r: Rig, text: string, chatId = CHAT, from: { id: number; username?: string } = ALICE) =>
  r.api.push({ text, chatId, from });

describe('Telegram commands (long polling against a local Bot API)', () => {
  it('answers every command, trips and resumes with the chat user as `by`, alerts and logs each decision', async () => {
    const r = await rig();
    say(r, '/help');
    assert.match(await r.api.reply(CHAT, 1), /\/halt <reason>[\s\S]*This chat's id: 111/);
    say(r, '/status');
    assert.match(
      await r.api.reply(CHAT, 2),
      /^RUNNING: trading is allowed\.[\s\S]*bot: never reported \(limit 90 s\)/,
    );

    say(r, '/halt spread looks broken on BTC');
    const halted = await r.api.reply(CHAT, 3);
    let latest = await r.store.killSwitch.latest();
    assert.equal(latest?.action, 'trip');
    assert.equal(latest?.by, 'telegram:@alice');
    assert.equal(latest?.reason, 'spread looks broken on BTC');
    assert.match(halted, new RegExp(`Halted by you \\(halt #${latest!.id}\\)`));
    assert.ok(r.ks.isHalted());
    assert.ok(r.alerts.some((a) => a.title === 'Trading halted' && a.body.includes('telegram:@alice')));
    assert.equal(r.api.sent[2]!.reply_parameters?.message_id, 3, 'the answer replies to the command');

    say(r, '/status');
    assert.match(
      await r.api.reply(CHAT, 4),
      /^HALTED \(halt #\d+, since [\s\S]*by telegram:@alice: spread looks broken/,
    );

    // A user without a username is named by id; the group form /cmd@bot works.
    r.api.push({ text: '/resume@warden_test_bot checked the book, fine', chatId: GROUP, from: BOB });
    const resumed = await r.api.reply(GROUP, 1);
    assert.match(resumed, /^Refused: you have not been shown this halt yet/, resumed);
    r.api.push({ text: '/resume@warden_test_bot checked the book, fine', chatId: GROUP, from: BOB });
    assert.match(await r.api.reply(GROUP, 2), /^Resumed by you \(event #\d+, clears #\d+\)\.\nRUNNING/);
    latest = await r.store.killSwitch.latest();
    assert.equal(latest?.action, 'resume');
    assert.equal(latest?.by, 'telegram:222');
    assert.equal(r.ks.isHalted(), false);
    assert.ok(r.alerts.some((a) => a.title === 'Trading resumed' && a.body.includes('telegram:222')));

    // Addressed to another bot in a group: not ours, no answer.
    r.api.push({ text: '/status@some_other_bot', chatId: GROUP, from: BOB });
    say(r, '/strategies');
    assert.match(await r.api.reply(CHAT, 5), /^No strategy state at /);
    assert.equal(r.api.repliesTo(GROUP).length, 2);

    writeFileSync(
      join(r.dir, 'strategy_state.json'),
      JSON.stringify({
        as_of: '2026-12-01T00:00:00Z',
        strategies: {
          NBA: { status: 'active', roi_30d: 0.12, n_30d: 55, note: '' },
          NHL: { status: 'blocked', roi_30d: -0.25, n_30d: 40, reason: 'roi_below_trip' },
        },
      }),
    );
    say(r, '/strategies');
    assert.match(
      await r.api.reply(CHAT, 6),
      /as of 2026-12-01T00:00:00Z[\s\S]*NHL: BLOCKED, ROI -25\.0% over 40 trades \(roi_below_trip\)\n {2}NBA: ACTIVE, ROI 12\.0%/,
    );

    say(r, '/dlq');
    assert.equal(await r.api.reply(CHAT, 7), 'Dead-letter queue: no open entries.');
    await r.orders.dlq.enqueue({
      idempotencyKey: 'k1',
      clientOrderId: 'c1',
      payload: JSON.stringify({ symbol: 'BTC/USDT', side: 'buy', amount: 0.5, type: 'market' }),
      errors: [],
      attempts: 3,
      errorClass: 'ambiguous',
      reason: 'timeout, venue not reachable',
      at: Date.now(),
    });
    say(r, '/dlq');
    assert.match(
      await r.api.reply(CHAT, 8),
      /1 open[\s\S]*#1 buy 0\.5 BTC\/USDT: ambiguous, timeout, venue not reachable \(3 attempts/,
    );

    say(r, '/frobnicate');
    assert.match(await r.api.reply(CHAT, 9), /^Unknown command \/frobnicate\./);
    say(r, '/halt');
    assert.match(await r.api.reply(CHAT, 10), /^Usage: \/halt <reason>\. Nothing was changed\./);
    assert.equal(r.ks.isHalted(), false);

    await r.decisions.flush();
    const logged = (await readDecisionsSince(join(r.dir, 'decisions'), 0, 1000)).filter(
      (d) => d.kind === 'killswitch',
    );
    assert.deepEqual(
      logged.map((d) => [d.by, (d.data as { action: string }).action]),
      [
        ['telegram:@alice', 'trip'],
        ['telegram:222', 'resume'],
      ],
    );
    assert.ok(r.counted.includes('halt:done') && r.counted.includes('unknown:refused'));
    assert.doesNotMatch(r.logs.join(''), /AAH-secret/);
  });

  it('takes no action for a chat off the allow-list: logged, counted, one reply per period naming its id', async () => {
    const r = await rig({ allowUserIds: [ALICE.id] });
    r.api.push({ text: '/halt pwned', chatId: 999, from: { id: 999, username: 'mallory' } });
    r.api.push({ text: '/resume pwned', chatId: 999, from: { id: 999, username: 'mallory' } });
    // In an allowed group, a member not on allowUserIds is refused too.
    r.api.push({ text: '/halt@warden_test_bot me too', chatId: GROUP, from: BOB });
    say(r, '/status');
    await r.api.reply(CHAT, 1);
    assert.equal(await r.store.killSwitch.latest(), null, 'nothing was recorded');
    assert.equal(r.ks.isHalted(), false);
    const toStranger = r.api.repliesTo(999);
    assert.equal(toStranger.length, 1, 'at most one reply per chat per period');
    assert.match(
      toStranger[0]!,
      /This chat \(id 999, user id 999\) may not command this Warden.*allowChatIds/,
    );
    assert.equal(r.api.repliesTo(GROUP).length, 1);
    assert.deepEqual(
      r.counted.filter((c) => c.endsWith('not_allowed')),
      ['halt:not_allowed', 'resume:not_allowed', 'halt:not_allowed'],
    );
    assert.match(r.logs.join(''), /\/halt from chat 999 ignored: not on commands\.telegram's allow-list/);
  });

  it('after a restart neither replays a handled command nor loses one sent while it was down', async () => {
    const r = await rig();
    // As if the poller died before Telegram saw the call that confirms what it handled.
    r.api.confirms = false;
    const first = say(r, '/halt one');
    await r.api.reply(CHAT, 1);
    await r.poller.close();
    assert.equal(await r.store.kv.get(offsetKey(r.api.me.id)), String(first + 1));
    say(r, '/halt two');
    await r.restart();
    await r.api.reply(CHAT, 2);
    say(r, '/status');
    await r.api.reply(CHAT, 3);
    const trips = (await r.store.killSwitch.history())
      .filter((e) => e.action === 'trip')
      .map((e) => e.reason);
    assert.deepEqual(trips, ['two', 'one'], 'one trip each, none replayed, none lost');
    const polls = r.api.calls.filter((c) => c.method === 'getUpdates');
    assert.ok(polls.every((c) => c.body['timeout'] === 2 && Array.isArray(c.body['allowed_updates'])));
  });

  it('refuses a resume racing a newer trip, names what changed, and resumes only once that was shown', async () => {
    const r = await rig();
    say(r, '/halt checking fills');
    await r.api.reply(CHAT, 1);
    const seen = (await r.store.killSwitch.latest())!.id;
    // The watchdog trips again after the chat looked.
    const other = await KillSwitch.open({ store: r.store, dataDir: r.dir, source: 'watchdog', pollMs: 0 });
    await other.trip({ reason: 'heartbeat bot late', by: 'watchdog' });
    await other.close();
    const newer = (await r.store.killSwitch.latest())!.id;
    say(r, '/resume fills are fine');
    const refused = await r.api.reply(CHAT, 2);
    assert.match(
      refused,
      new RegExp(`^Refused: the kill switch changed since you looked \\(you were shown #${seen}\\)`),
    );
    assert.match(refused, new RegExp(`#${newer} trip by watchdog at .*: heartbeat bot late`));
    assert.equal((await r.store.killSwitch.latest())!.id, newer, 'nothing was written');
    assert.ok(r.ks.isHalted());
    // The refusal showed the newer halt: the same command now clears that one, and only that one.
    say(r, '/resume fills are fine, bot restarted');
    assert.match(
      await r.api.reply(CHAT, 3),
      new RegExp(`^Resumed by you \\(event #\\d+, clears #${newer}\\)`),
    );
    assert.equal((await r.store.killSwitch.latest())!.clears, newer);

    // A resume typed while the daemon was not reading is refused for its age.
    say(r, '/halt again');
    await r.api.reply(CHAT, 4);
    r.api.push({
      text: '/resume old news',
      chatId: CHAT,
      from: ALICE,
      date: Math.floor(Date.now() / 1000) - 3600,
    });
    assert.match(await r.api.reply(CHAT, 5), /^Refused: this \/resume was sent 60 min ago/);
    assert.ok(r.ks.isHalted());
    await r.decisions.flush();
    const actions = (await readDecisionsSince(join(r.dir, 'decisions'), 0, 1000))
      .filter((d) => d.kind === 'killswitch')
      .map((d) => (d.data as { action: string }).action);
    assert.deepEqual(actions, ['trip', 'resume_refused', 'resume', 'trip']);
  });

  it('waits out Telegram being down (502, dropped connections), alerts the outage once, and works when it is back', async () => {
    const r = await rig({ outageAlertAfterMs: 300, start: false });
    r.api.mode = 'http502';
    r.poller.start();
    await r.api.until(() => r.api.calls.length >= 4, 'four failed calls');
    r.api.mode = 'reset';
    const n = r.api.calls.length;
    await r.api.until(() => r.api.calls.length >= n + 4, 'four dropped calls');
    await r.api.until(
      () => r.alerts.some((a) => a.title === 'Telegram commands unreachable'),
      'the outage alert',
    );
    r.api.mode = 'up';
    say(r, '/halt telegram came back');
    await r.api.reply(CHAT, 1);
    assert.equal((await r.store.killSwitch.latest())?.reason, 'telegram came back');
    assert.equal(r.alerts.filter((a) => a.title === 'Telegram commands unreachable').length, 1);
    assert.ok(r.alerts.some((a) => a.title === 'Telegram commands work again'));
    assert.ok(r.counted.includes('poll:retry'));
    assert.match(r.logs.join(''), /HTTP 502 from http:\/\/127\.0\.0\.1:\d+\/\*\*\* getMe/);
    assert.doesNotMatch(r.logs.join('') + JSON.stringify(r.alerts), /AAH-secret|7000001/);
  });

  it('on 409 (another poller) alerts once and backs off; a refused token alerts critical once', async () => {
    const r = await rig({ start: false });
    r.api.mode = 'conflict';
    r.poller.start();
    await r.api.until(() => r.api.calls.filter((c) => c.method === 'getUpdates').length >= 4, 'four 409s');
    assert.equal(
      r.alerts.filter((a) => a.title === 'Telegram commands: another poller uses this bot').length,
      1,
    );
    r.api.mode = 'up';
    say(r, '/status');
    await r.api.reply(CHAT, 1);
    // Two pollers taking turns: conflicts between successes are not alerted again.
    r.api.mode = 'conflict';
    const n = r.api.calls.length;
    await r.api.until(() => r.api.calls.length >= n + 3, 'three more 409s');
    r.api.mode = 'up';
    say(r, '/status');
    await r.api.reply(CHAT, 2);
    assert.equal(
      r.alerts.filter((a) => a.title === 'Telegram commands: another poller uses this bot').length,
      1,
    );

    const bad = await rig({ token: '7000001:wrong-token-abcdef', start: false });
    bad.poller.start();
    await bad.api.until(() => bad.api.calls.length >= 3, 'three refused calls');
    const refused = bad.alerts.filter((a) => a.title === 'Telegram commands: the bot token was refused');
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.severity, 'critical');
    assert.doesNotMatch(bad.logs.join('') + JSON.stringify(bad.alerts), /wrong-token/);
  });
});
