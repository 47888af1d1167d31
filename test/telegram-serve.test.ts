// `warden serve` as a real process, commanded from "a phone": a local server speaking the
// Telegram Bot API stands in for Telegram. /halt trips (the store shows the trip with the chat
// user as `by`), the trip is alerted through the Telegram alert channel (same bot, same token),
// and a serve killed -9 right after a command does not replay it when it starts again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { warden, workspace } from './helpers/cli.js';
import { startServe } from './helpers/serve.js';
import { SqliteStore } from '../src/store/index.js';
import { FakeBotApi } from '../src/daemon/telegram/test-bot-api.js';

const TOKEN = '7000001:AAH-serve-test-token_Q7';
const CHAT = 4242;
const ALERT_CHAT = 5151;

describe('warden serve with Telegram commands (real process, local Bot API)', () => {
  it('halts on /halt from an allowed chat, alerts the trip, and after kill -9 does not replay it', async () => {
    const api = await FakeBotApi.start({ token: TOKEN });
    const w = workspace({
      alerts: { channels: [{ type: 'telegram', chatId: ALERT_CHAT, apiBase: api.base }] },
      // No token variable or apiBase here: the alert channel's are used.
      commands: { telegram: { allowChatIds: [CHAT], pollTimeoutSec: 2 } },
    });
    const env = { WARDEN_TELEGRAM_TOKEN: TOKEN, WARDEN_TOKEN: 'tok-api-serve' };
    let serve = await startServe(w.args, ['--port', '0'], env);
    let output = '';
    try {
      await api.until(() => api.calls.some((c) => c.method === 'getUpdates'), 'the first long poll');
      // As if every later poll were lost before Telegram saw it: Telegram never learns that the
      // update was handled, and only the offset stored by serve keeps it from running again.
      api.confirms = false;
      api.push({ text: '/halt exchange is acting up', chatId: CHAT, from: { id: 77, username: 'alice' } });
      assert.match(await api.reply(CHAT, 1), /^Halted by you \(halt #1\)/);

      const st = await warden([...w.args, 'status', '--json']);
      assert.equal(st.code, 1, 'halted');
      const s = JSON.parse(st.stdout) as { reason: string; by: string };
      assert.equal(s.reason, 'exchange is acting up');
      assert.equal(s.by, 'telegram:@alice');
      await api.reply(ALERT_CHAT, 1);
      assert.match(api.repliesTo(ALERT_CHAT)[0]!, /Trading halted[\s\S]*tripped by telegram:@alice/);

      serve.child.kill('SIGKILL');
      await serve.exited;
      output += serve.output().stdout + serve.output().stderr;
      const polled = api.calls.length;
      serve = await startServe(w.args, ['--port', '0'], env);
      await api.until(
        () => api.calls.slice(polled).some((c) => c.method === 'getUpdates'),
        'a long poll from the restarted serve',
      );
      api.push({ text: '/status', chatId: CHAT, from: { id: 77, username: 'alice' } });
      assert.match(await api.reply(CHAT, 2), /^HALTED \(halt #1, /);
      assert.equal(api.repliesTo(CHAT).length, 2, '/halt was not answered twice');
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
      output += serve.output().stdout + serve.output().stderr;
      await api.close();
    }
    const store = SqliteStore.open(join(w.dataDir, 'warden.db'), { mustExist: true });
    try {
      const history = await store.killSwitch.history();
      assert.deepEqual(
        history.map((e) => [e.action, e.by]),
        [['trip', 'telegram:@alice']],
        'one trip, not replayed after the restart',
      );
    } finally {
      await store.close();
    }
    assert.match(output, /telegram commands: polling as @warden_test_bot/);
    assert.doesNotMatch(output, /AAH-serve-test-token|tok-api-serve/, 'no token in the logs');
  });
});
