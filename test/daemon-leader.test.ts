// Two `warden serve` processes on one data dir (one SQLite store): only the leader runs the
// watchdog, the strategy schedule, the reminders and the Telegram poller; both serve HTTP. The
// stale heartbeat is alerted once, Telegram sees one poller (no 409), and when the leader is
// killed -9 the standby takes over.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspace } from './helpers/cli.js';
import { startServe, type Serving } from './helpers/serve.js';
import { parsePromText } from './helpers/prom-text.js';
import { SqliteStore } from '../src/store/index.js';
import { FakeBotApi } from '../src/daemon/telegram/test-bot-api.js';

const TOKEN = '7000001:AAH-leader-test-token_Z3';
const CHAT = 31337;

async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const leaderGauge = async (s: Serving): Promise<number | undefined> =>
  parsePromText(await (await fetch(`${s.printed}/metrics`)).text()).value('warden_leader');

describe('two warden serve on one store (real processes)', () => {
  it('runs the watchdog, schedules and Telegram poller in one of them, and the standby takes over after kill -9', async () => {
    const api = await FakeBotApi.start({ token: TOKEN });
    const trades = join(mkdtempSync(join(tmpdir(), 'warden-leader-')), 'trades.jsonl');
    writeFileSync(trades, '');
    const w = workspace({
      heartbeats: [{ name: 'bot', periodSec: 1, graceSec: 0, tripOnFailure: false }],
      watchdog: { intervalSec: 0.2 },
      strategy: { schedule: '*/2 * * * * *', trades },
      alerts: { channels: [{ type: 'stderr' }] },
      commands: { telegram: { allowChatIds: [CHAT], pollTimeoutSec: 1, apiBase: api.base } },
    });
    const env = { WARDEN_TELEGRAM_TOKEN: TOKEN, WARDEN_TOKEN: 'tok-leader' };
    const a = await startServe(w.args, ['--port', '0'], env);
    let b: Serving | undefined;
    const store = SqliteStore.open(join(w.dataDir, 'warden.db'), { mustExist: true });
    try {
      await until(() => a.output().stdout.includes('"msg":"leading ('), 'a to lead');
      b = await startServe(w.args, ['--port', '0'], env);
      const standby = b;
      await until(() => standby.output().stdout.includes('"msg":"standby: pid lock'), 'b to stand by');
      assert.match(standby.output().stdout, new RegExp(`held by pid ${a.child.pid} on `));
      assert.equal(await leaderGauge(a), 1);
      assert.equal(await leaderGauge(standby), 0);

      // One beat through the standby's API (every daemon serves HTTP), then silence.
      const beat = await fetch(`${standby.printed}/v1/heartbeat/bot`, {
        method: 'POST',
        headers: { authorization: 'Bearer tok-leader', 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(beat.status, 200);
      const late = async () => (await store.alerts.list()).filter((x) => x.title === 'Heartbeat bot: late');
      await until(async () => (await late()).length > 0, 'the stale heartbeat alert');
      // Several more checks and polls go by.
      await new Promise((r) => setTimeout(r, 3_000));
      assert.equal((await late()).length, 1, 'alerted once');
      const titles = (await store.alerts.list()).map((x) => x.title);
      assert.ok(
        !titles.some((t) => t.includes('another poller')),
        `one Telegram poller: ${titles.join('; ')}`,
      );
      const bOut = standby.output().stdout + standby.output().stderr;
      assert.doesNotMatch(bOut, /strategy evaluation scheduled|telegram commands: polling|watchdog: bot/);
      assert.match(a.output().stdout, /strategy evaluation scheduled/);
      assert.match(a.output().stdout, /telegram commands: polling as @warden_test_bot/);

      // The leader dies without releasing anything: the standby leads within 10 s.
      a.child.kill('SIGKILL');
      await a.exited;
      // It retries every 2 s; the wait is generous for a loaded machine (no timing is asserted).
      await until(() => standby.output().stdout.includes('"msg":"leading ('), 'b to take over', 60_000);
      await until(() => standby.output().stdout.includes('telegram commands: polling'), 'b to poll');
      assert.match(standby.output().stdout, /strategy evaluation scheduled/);
      assert.equal(await leaderGauge(standby), 1);
      api.push({ text: '/halt after failover', chatId: CHAT, from: { id: 9, username: 'carol' } });
      assert.match(await api.reply(CHAT, 1), /^Halted by you/);
      assert.equal((await store.killSwitch.latest())?.by, 'telegram:@carol');
    } finally {
      a.child.kill('SIGKILL');
      b?.child.kill('SIGTERM');
      if (b) assert.equal((await b.exited).code, 0);
      await store.close();
      await api.close();
    }
  });
});
