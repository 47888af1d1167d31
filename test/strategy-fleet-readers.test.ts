// Fleet mode (PostgreSQL, own schema on the shared server): the daemon's strategy readers
// (GET /v1/strategies, the strategy metrics, Telegram's /strategies) show the store's state, the
// one its StrategyBreaker answers from, never a state file on the host; and a bot from openWarden
// hears of a block through the change feed, long before its own poll.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { Daemon } from '../src/daemon/daemon.js';
import { FakeBotApi } from '../src/daemon/telegram/test-bot-api.js';
import { createBotWorld } from '../src/runtime/runtime-test-rig.js';
import { createMigratedSchema, openFleetStore, type TestSchema } from './helpers/pg-test-schema.js';
import { overrideNow } from './helpers/strategy-override.js';
import { warden, workspace } from './helpers/cli.js';

const TOKEN = '7000001:AAH-readers-test-token_R2';
const CHAT = 111;
const ALICE = { id: 111, username: 'alice' };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

const schemas: TestSchema[] = [];
const dirs: string[] = [];
after(async () => {
  for (const s of schemas.splice(0)) await s.drop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function schema(): Promise<TestSchema> {
  const s = await createMigratedSchema();
  schemas.push(s);
  return s;
}

describe('fleet mode: the strategy readers follow the store (real PostgreSQL)', () => {
  it('a block written to the store shows in /v1/strategies, the metric and Telegram /strategies, not the host file', async () => {
    const db = await schema();
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-readers-'));
    dirs.push(dataDir);
    // A decoy state file on this host that says the opposite: a reader of the file would show it.
    writeFileSync(
      join(dataDir, 'strategy_state.json'),
      JSON.stringify({
        as_of: '2026-01-01T00:00:00Z',
        as_of_unix: 1767225600,
        strategies: { nba: { status: 'active', roi_30d: 0.5, n_30d: 99 } },
      }),
    );
    const api = await FakeBotApi.start({ token: TOKEN });
    const config = parseConfig({
      store: { kind: 'postgres', url: db.url, schema: db.schema },
      fleet: { leaderRetryMs: 300 },
      commands: { telegram: { allowChatIds: [CHAT], apiBase: api.base, pollTimeoutSec: 2 } },
    });
    const store = await openFleetStore(db.url, db.schema);
    const daemon = new Daemon({
      loaded: { config, path: null, dataDir },
      store,
      port: 0,
      env: { WARDEN_TELEGRAM_TOKEN: TOKEN },
      log: () => undefined,
    });
    try {
      await daemon.start();
      const get = async (path: string) => fetch(`${daemon.address}${path}`);

      // Nothing in the store yet: missing, whatever the host's file says.
      const none = await get('/v1/strategies');
      assert.equal(none.status, 404);
      assert.match(((await none.json()) as { error: string }).error, /no strategy state in the store/);
      api.push({ text: '/strategies', chatId: CHAT, from: ALICE });
      assert.match(await api.reply(CHAT, 1), /^No strategy state in the store/);
      assert.doesNotMatch(await (await get('/metrics')).text(), /warden_strategy_status\{key="nba"/);

      const block = await overrideNow(store.strategyState, 'nba', 'block', 'news', 'bob');
      assert.ok(block.ok);

      let body: { strategies: Record<string, { status: string }> } | null = null;
      const end = Date.now() + 5000;
      while (Date.now() < end) {
        const r = await get('/v1/strategies');
        if (r.status === 200) {
          body = (await r.json()) as { strategies: Record<string, { status: string }> };
          if (body.strategies['nba']?.status === 'blocked') break;
        }
        await wait(50);
      }
      assert.equal(body?.strategies['nba']?.status, 'blocked', JSON.stringify(body));
      assert.equal(daemon.address !== '', true);

      const scrape = await (await get('/metrics')).text();
      assert.match(scrape, /warden_strategy_status\{key="nba",status="blocked"\} 1/);
      assert.match(scrape, /warden_strategy_status\{key="nba",status="active"\} 0/);

      api.push({ text: '/strategies', chatId: CHAT, from: ALICE });
      const text = await api.reply(CHAT, 2);
      assert.match(text, /nba: BLOCKED/i);
      assert.doesNotMatch(text, /2026-01-01/, 'not the host file');
    } finally {
      await daemon.close();
      await store.close();
      await api.close();
    }
  });

  it("a bot's breaker from openWarden is woken by the change feed: a block from another process reaches check() in < 2 s with a 30 s poll", async (t) => {
    const db = await schema();
    const world = await createBotWorld({
      store: { kind: 'postgres', url: db.url, schema: db.schema },
      fleet: { pollMs: 30_000, leaseMs: 60_000 },
    });
    try {
      const w = await world.open();
      assert.equal(w.strategy.check('nba').reason, 'state_missing_fail_open');
      await wait(500); // the feed's LISTEN is up (its first connection)
      const ws = workspace({ store: { kind: 'postgres', url: db.url, schema: db.schema } }, { init: false });
      dirs.push(ws.dir);
      mkdirSync(ws.dataDir, { recursive: true });
      // The hot path is synchronous: look every 5 ms, from before the other process starts.
      let seenAt: number | null = null;
      const look = setInterval(() => {
        if (seenAt === null && !w.strategy.check('nba').allow) seenAt = Date.now();
      }, 5);
      const b = await warden([...ws.args, 'strategy', 'block', 'nba', '--reason', 'news', '--by', 'alice']);
      assert.equal(b.code, 0, b.stderr);
      const end = Date.now() + 5000;
      while (seenAt === null && Date.now() < end) await wait(20);
      clearInterval(look);
      assert.deepEqual({ ...w.strategy.check('nba') }, { allow: false, reason: 'circuit_breaker_blocked' });
      // From the audit row's time (taken by the writer before its transaction: an upper bound).
      const reader = await openFleetStore(db.url, db.schema);
      const audit = await reader.strategyState.history('strategies').finally(() => reader.close());
      const wrote = audit.find((e) => e.action === 'block' && e.key === 'nba');
      assert.ok(wrote && seenAt !== null);
      const lag = seenAt - wrote.at;
      t.diagnostic(`block seen by the bot ${lag} ms after it was written`);
      assert.ok(lag < 2000, `seen ${lag} ms after the block was written; the bot's poll is 30 s`);
    } finally {
      await world.destroy();
    }
  });
});
