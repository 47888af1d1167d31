// Fleet mode (PostgreSQL, own schema on the shared server): a bot process from openWarden holds
// one change feed, one LISTEN connection, that wakes its kill switch, its strategy breaker and its
// shared exchange breaker. Counted from outside: the bot's own TCP sockets (/proc) matched to
// pg_stat_activity. A trip and a `warden strategy block` from other processes each reach the bot's
// hot path through that feed, with every poll at 30 s so only the notice can explain it.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { createTestSchema, openFleetStore, type TestSchema } from './helpers/pg-test-schema.js';
import { spawnJsonChild, type JsonChild } from './helpers/json-lines-child.js';
import { startFreezeProxy, type FreezeProxy } from './helpers/freeze-proxy.js';
import { warden, workspace } from './helpers/cli.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The local TCP ports of the sockets process `pid` holds open (Linux: /proc). */
function localPortsOf(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const c = line.trim().split(/\s+/);
      if (c.length > 9 && inodes.has(c[9]!)) ports.push(parseInt(c[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

interface Backend {
  application_name: string;
  query: string;
}

/** The PostgreSQL sessions of process `pid`: its sockets' ports as the server sees its clients. */
async function backendsOf(db: TestSchema, pid: number): Promise<Backend[]> {
  const ports = localPortsOf(pid);
  if (ports.length === 0) return [];
  return db.sql<Backend>(
    `SELECT application_name, query FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND client_port = ANY($1::int[]) ORDER BY application_name`,
    [ports],
  );
}

describe('fleet mode: one change feed per bot process (real PostgreSQL, real processes)', () => {
  const schemas: TestSchema[] = [];
  const dirs: string[] = [];
  const bots: JsonChild[] = [];
  const proxies: FreezeProxy[] = [];
  after(async () => {
    for (const b of bots.splice(0)) await b.kill('SIGKILL');
    for (const p of proxies.splice(0)) await p.close();
    for (const s of schemas.splice(0)) await s.drop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('one LISTEN connection wakes the kill switch and the strategy breaker: a trip and a block from other processes arrive by notice', async (t) => {
    const db = await createTestSchema();
    schemas.push(db);
    await (await openFleetStore(db.url, db.schema)).close(); // migrated
    const store = { kind: 'postgres', url: db.url, schema: db.schema };
    // Every poll 30 s (the feed's, the kill switch's, the shared breaker's): only a notice is fast.
    const fleet = {
      pollMs: 30_000,
      leaseMs: 60_000,
      sharedBreakers: { enabled: true, account: 'acct' },
    };
    const bot = spawnJsonChild('warden-bot-child.ts', [
      JSON.stringify({ store, fleet, killSwitch: { reserveBytes: 0, pollMs: 30_000 } }),
      'nba',
    ]);
    bots.push(bot);
    const ready = await bot.waitFor('the bot open', (l) => l['ready'] === true, 90_000);
    assert.equal(ready['ks'], true, 'trading allowed at start');
    const pid = bot.proc.pid!;

    // Its sessions besides the store's pool ('warden'): exactly one, the feed, LISTENing.
    let feeds: Backend[] = [];
    const end = Date.now() + 20_000;
    while (Date.now() < end) {
      feeds = (await backendsOf(db, pid)).filter((b) => b.application_name !== 'warden');
      if (feeds.some((b) => b.query.startsWith('LISTEN'))) break;
      await wait(100);
    }
    t.diagnostic(`the bot's sessions besides the pool: ${JSON.stringify(feeds)}`);
    assert.equal(feeds.length, 1, `one session besides the pool, got ${JSON.stringify(feeds)}`);
    assert.equal(feeds[0]!.application_name, 'warden-feed-bot');
    assert.match(feeds[0]!.query, new RegExp(`^LISTEN ${db.schema}_changes`));

    const ws = workspace({ store }, { init: false });
    dirs.push(ws.dir);
    mkdirSync(ws.dataDir, { recursive: true });
    const reader = await openFleetStore(db.url, db.schema, { mode: 'existing' });
    try {
      const trip = await warden([...ws.args, 'trip', '--reason', 'fleet drill', '--by', 'ops']);
      assert.equal(trip.code, 0, trip.stderr);
      const halted = await bot.waitFor(
        'the trip',
        (l) => l['what'] === 'killswitch' && l['allow'] === false,
        10_000,
      );
      const tripped = (await reader.killSwitch.history(5)).find((e) => e.action === 'trip')!;
      const tripLag = (halted['at'] as number) - tripped.at;
      t.diagnostic(`trip seen by the bot ${tripLag} ms after it was written`);
      assert.ok(tripLag < 5000, `trip seen after ${tripLag} ms; every poll is 30 s`);

      const block = await warden([
        ...ws.args,
        'strategy',
        'block',
        'nba',
        '--reason',
        'news',
        '--by',
        'alice',
      ]);
      assert.equal(block.code, 0, block.stderr);
      const blocked = await bot.waitFor(
        'the block',
        (l) => l['what'] === 'strategy' && l['allow'] === false,
        10_000,
      );
      assert.equal(blocked['reason'], 'circuit_breaker_blocked');
      const wrote = (await reader.strategyState.history('strategies')).find((e) => e.action === 'block')!;
      const blockLag = (blocked['at'] as number) - wrote.at;
      t.diagnostic(`block seen by the bot ${blockLag} ms after it was written`);
      assert.ok(blockLag < 5000, `block seen after ${blockLag} ms; every poll is 30 s`);
    } finally {
      await reader.close();
    }
    // Still one feed session after both (no second connection opened on the way).
    const later = (await backendsOf(db, pid)).filter((b) => b.application_name !== 'warden');
    assert.equal(later.length, 1, JSON.stringify(later));
  });

  it("holds the fleet lease: a store that goes silent halts the bot's kill switch within lease + poll", async (t) => {
    const db = await createTestSchema();
    schemas.push(db);
    await (await openFleetStore(db.url, db.schema)).close();
    const u = new URL(db.url);
    const proxy = await startFreezeProxy(Number(u.port || 5432), u.hostname);
    proxies.push(proxy);
    const via = new URL(db.url);
    via.port = String(proxy.port);
    const bot = spawnJsonChild('warden-bot-child.ts', [
      JSON.stringify({
        store: { kind: 'postgres', url: via.toString(), schema: db.schema },
        fleet: { pollMs: 300, leaseMs: 1500, leaseLost: 'wait' },
        killSwitch: { reserveBytes: 0, pollMs: 30_000 },
      }),
      'nba',
    ]);
    bots.push(bot);
    const ready = await bot.waitFor('the bot open', (l) => l['ready'] === true, 90_000);
    assert.equal(ready['ks'], true);
    proxy.freeze();
    const frozenAt = Date.now();
    const halted = await bot.waitFor(
      'the lease to run out',
      (l) => l['what'] === 'killswitch' && l['allow'] === false,
      15_000,
    );
    t.diagnostic(
      `kill switch denied ${(halted['at'] as number) - frozenAt} ms after the freeze: ${String(halted['reason'])}`,
    );
    proxy.thaw();
  });
});
