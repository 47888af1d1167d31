import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KillSwitch } from '../src/killswitch/index.js';
import type { Store } from '../src/store/index.js';
import { PgChangeFeed, wakeOnChanges, loadPg } from '../src/fleet/index.js';
import { createTestSchema, openFleetStore, type TestSchema } from './helpers/pg-test-schema.js';
import { spawnJsonChild, type JsonChild } from './helpers/json-lines-child.js';
import { startPrivatePg, type PrivatePg } from './helpers/private-pg.js';

type Line = Record<string, unknown>;
const isState = (l: Line): boolean => typeof l['halted'] === 'boolean' && l['ready'] === undefined;

async function bots(
  url: string,
  schema: string,
  n: number,
  leaseMs: number,
  pollMs: number,
): Promise<JsonChild[]> {
  const kids = Array.from({ length: n }, (_, i) =>
    spawnJsonChild('fleet-bot-child.ts', [url, schema, `bot${i}`, String(leaseMs), String(pollMs)]),
  );
  await Promise.all(kids.map((k, i) => k.waitFor(`bot${i} ready`, (l) => l['ready'] === true, 90_000)));
  return kids;
}

describe('fleet kill switch across processes (shared server, own schema)', () => {
  let db: TestSchema;
  let dir: string;
  before(async () => {
    db = await createTestSchema();
    dir = mkdtempSync(join(tmpdir(), 'warden-fleet-op-'));
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a trip in one process makes every bot process deny new risk, and a resume lets them all trade', async () => {
    const store = await openFleetStore(db.url, db.schema);
    const ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 0, source: 'operator' });
    // Poll 10 s: inside this test only NOTIFY can carry the change in time.
    const kids = await bots(db.url, db.schema, 3, 60_000, 10_000);
    try {
      await ks.trip({ reason: 'operator trip across the fleet', by: 'test' });
      for (const k of kids)
        await k.waitFor(
          'denies',
          (l) => l['denies'] === true && l['reason'] === 'operator trip across the fleet',
          8000,
        );
      await ks.resume({ reason: 'checked every host', by: 'tester' });
      for (const k of kids) await k.waitFor('trades again', (l) => isState(l) && l['halted'] === false, 8000);
    } finally {
      await Promise.all(kids.map((k) => k.kill()));
      await ks.close();
      await store.close();
    }
  });
});

describe('fleet kill switch when PostgreSQL stops entirely (a private instance)', () => {
  let pg: PrivatePg;
  let dir: string;
  const schema = 'warden_t_outage';
  before(async () => {
    pg = await startPrivatePg();
    dir = mkdtempSync(join(tmpdir(), 'warden-fleet-outage-'));
  });
  after(() => {
    pg?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every gate fails closed within the lease and says why; trading resumes only by a resume recorded once the server is back', async () => {
    const leaseMs = 2000;
    const pollMs = 200;
    let store: Store | undefined;
    let ks: KillSwitch | undefined;
    let feed: PgChangeFeed | undefined;
    let kids: JsonChild[] = [];
    try {
      const c = new (loadPg().Client)({ connectionString: pg.url });
      await c.connect();
      await c.query(`CREATE SCHEMA ${schema}`);
      await c.end();
      store = await openFleetStore(pg.url, schema, { timeoutMs: 1000 });
      ks = await KillSwitch.open({
        store,
        dataDir: dir,
        pollMs: 0,
        leaseMs,
        source: 'operator',
        shout: () => undefined,
      });
      feed = new PgChangeFeed({ connectionString: pg.url, schema, pollMs, timeoutMs: 1000 });
      wakeOnChanges(feed, { killSwitch: ks });
      kids = await bots(pg.url, schema, 3, leaseMs, pollMs);
      assert.ok(kids.every((k) => k.lines.find((l) => l['ready'])?.['halted'] === false));

      // 1. The server stops: every gate denies, within the lease, saying why.
      const stoppedAt = Date.now();
      pg.stop('immediate');
      for (const k of kids) {
        const l = await k.waitFor('fails closed', (x) => x['denies'] === true, 15_000);
        assert.match(String(l['reason']), /store unreadable|lease expired/);
        assert.ok(Number(l['at']) - stoppedAt <= leaseMs + pollMs + 1500, `${k.lines.length} denied late`);
      }

      // 2. A trip during the outage: not recorded (held in memory, the STOP file), still a halt.
      const t = await ks.trip({ reason: 'tripped while PostgreSQL was down', by: 'test' });
      assert.equal(t.recorded, false);
      const marks = kids.map((k) => k.lines.length);

      // 3. The outage outlasts the lease (a shorter one is tolerated by design), then the server is
      // back: the pending trip is recorded, every gate stays halted, none trades in between.
      while (Date.now() - stoppedAt < leaseMs + 1000) await new Promise((r) => setTimeout(r, 100));
      pg.start();
      for (const k of kids)
        await k.waitFor(
          `halted by the recorded trip: ${JSON.stringify(k.lines.slice(-3))} op: ${JSON.stringify(ks.state())}`,
          (l) => l['source'] === 'store' && l['reason'] === 'tripped while PostgreSQL was down',
          30_000,
        );
      await new Promise((r) => setTimeout(r, 1000));
      kids.forEach((k, i) =>
        assert.ok(
          k.lines.slice(marks[i]).every((l) => !isState(l) || l['denies'] === true),
          `bot${i} never traded between the outage and the resume: ${JSON.stringify(k.lines.slice(marks[i]))}`,
        ),
      );
      // The operator's trip held in memory is in the store now (its STOP file halts it locally too).
      assert.equal(ks.isHalted(), true);
      const history = await ks.history(5);
      assert.ok(
        history.some((e) => e.action === 'trip' && e.reason === 'tripped while PostgreSQL was down'),
        JSON.stringify(history),
      );
      assert.ok(
        history.every((e) => e.action === 'trip'),
        'no resume was recorded by anyone',
      );

      // 4. Only a recorded resume lets them trade.
      await ks.resume({ reason: 'database back, positions checked', by: 'tester' });
      for (const k of kids)
        await k.waitFor('trades again', (l) => isState(l) && l['halted'] === false, 15_000);
    } finally {
      await Promise.all(kids.map((k) => k.kill('SIGKILL')));
      await feed?.close();
      await ks?.close();
      await store?.close().catch(() => undefined);
    }
  });
});
