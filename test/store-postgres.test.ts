// Fleet store processes on the shared PostgreSQL server (127.0.0.1:5432, database `test`), each
// test on its own `warden_t_<random>` schemas, dropped at the end: real `warden` processes
// migrating at once, two bots racing one idempotency key, kill-switch compare-and-set races, two
// Alerters on one outbox counted at a real webhook receiver.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { join } from 'node:path';
import { TestHttpServer } from '../src/alerts/test-http-server.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import { readPgMigrations } from '../src/store/postgres/migrate.js';
import { TestSchemas } from '../src/store/postgres/pg-test-schemas.js';
import { ROOT, warden, workspace } from './helpers/cli.js';
import { spawnSubmitter } from './helpers/orders-child.js';
import { startHttpSimulator } from './helpers/orders-rig.js';

const schemas = new TestSchemas();
after(() => schemas.dropAll());

/** A pg-worker process: resolves its lines once it exits 0. */
function worker(job: Record<string, unknown>) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/pg-worker.ts')], {
    cwd: ROOT,
    env: { ...process.env, PG_JOB: JSON.stringify({ url: schemas.url, ...job }) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    if (out.includes('"ready":true')) onReady();
  });
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const lines = new Promise<Record<string, unknown>[]>((resolve, reject) =>
    child.on('close', (code) => {
      onReady();
      if (code !== 0) return reject(new Error(`pg-worker exited ${code}: ${err}`));
      resolve(
        out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((l) => l['ready'] !== true),
      );
    }),
  );
  return { ready, go: () => child.stdin.end('go\n'), lines };
}

const open = (schema: string) => PgStore.open({ url: schemas.url, schema });

describe('PostgreSQL store: processes', { timeout: 240_000 }, () => {
  it('warden migrate: two processes at once apply each migration once; readers refuse an unmigrated schema', async () => {
    const schema = schemas.next();
    const w = workspace({ store: { kind: 'postgres', urlEnv: 'WARDEN_TEST_PG', schema } }, { init: false });
    const env = { WARDEN_TEST_PG: schemas.url };
    const before = await warden([...w.args, 'status', '--json'], { env });
    assert.equal(before.code, 1, 'an unmigrated schema: halted');
    assert.match(before.stdout + before.stderr, /warden migrate/);

    const [a, b] = await Promise.all([
      warden([...w.args, 'migrate', '--json'], { env }),
      warden([...w.args, 'migrate', '--json'], { env }),
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const latest = Math.max(...readPgMigrations().map((m) => m.version));
    for (const r of [a, b]) {
      const o = JSON.parse(r.stdout) as { kind: string; version: number; location: string };
      assert.equal(o.kind, 'postgres');
      assert.equal(o.version, latest);
      assert.ok(o.location.endsWith(`#${schema}`), o.location);
    }
    const again = await warden([...w.args, 'migrate'], { env });
    assert.equal(again.code, 0, again.stderr);
    const store = await open(schema);
    try {
      const { rows } = await store.connection.query<{ version: number; n: number }>(
        'SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version',
      );
      assert.deepEqual(
        rows.map((r) => [r.version, r.n]),
        readPgMigrations().map((m) => [m.version, 1]),
      );
    } finally {
      await store.close();
    }

    // init makes the data dir (STOP, circuit.json); a trip by one process is the state for all.
    assert.equal((await warden([...w.args, 'init'], { env })).code, 0);
    const trip = await warden([...w.args, 'trip', '--reason', 'fleet test'], { env });
    assert.equal(trip.code, 0, trip.stderr);
    const other = await open(schema);
    try {
      const latest = await other.killSwitch.latest();
      assert.equal(latest?.action, 'trip');
      assert.equal(latest?.reason, 'fleet test');
    } finally {
      await other.close();
    }
    const status = await warden([...w.args, 'status', '--json'], { env });
    assert.equal(status.code, 1, 'halted');
    assert.doesNotMatch(status.stdout + status.stderr, /password/);
  });

  it('two bot processes submitting the same intents give one order row and one send per key', async () => {
    const schema = schemas.next();
    await (await PgStore.open({ url: schemas.url, schema, mode: 'create' })).close();
    const rig = await startHttpSimulator({ latencyMs: { min: 2, max: 15 } });
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `shared-${i}`);
      const pg = { url: schemas.url, schema };
      const a = spawnSubmitter({ pg, url: rig.url, keys, waitForGo: true });
      const b = spawnSubmitter({ pg, url: rig.url, keys, waitForGo: true });
      await Promise.all([a.ready(), b.ready()]);
      a.go();
      b.go();
      const [ea, eb] = await Promise.all([a.exited, b.exited]);
      assert.equal(ea.code, 0, ea.stderr);
      assert.equal(eb.code, 0, eb.stderr);
      const orders = rig.sim.allOrders();
      assert.equal(orders.length, keys.length, 'one send per key, none doubled');
      assert.equal(new Set(orders.map((o) => o.clientOrderId)).size, keys.length);
      for (const key of keys) {
        const answers = [...a.lines, ...b.lines].filter((l) => l.key === key);
        assert.equal(answers.length, 2);
        assert.equal(
          answers.filter((l) => l.status === 'placed' && l.replayed === false).length,
          1,
          JSON.stringify(answers),
        );
      }
      const store = await open(schema);
      try {
        const { rows } = await store.connection.query<{ n: number }>(
          'SELECT count(*) AS n FROM order_intents',
        );
        assert.equal(rows[0]!.n, keys.length, 'one order row per key');
        assert.equal((await store.orders.list({ state: 'placed', limit: 1000 })).length, keys.length);
      } finally {
        await store.close();
      }
    } finally {
      await rig.server.close();
    }
  });

  it('three processes racing appendIfLatest: each round has one winner, and every win follows exactly the event it expected', async () => {
    const schema = schemas.next();
    await (await PgStore.open({ url: schemas.url, schema, mode: 'create' })).close();
    const ws = [0, 1, 2].map(() => worker({ schema, mode: 'cas', rounds: 30 }));
    await Promise.all(ws.map((w) => w.ready));
    for (const w of ws) w.go();
    const results = (await Promise.all(ws.map((w) => w.lines))).flat();
    const wins = results.filter((r) => r['won'] !== undefined);
    assert.ok(wins.length >= 30, `at least one winner per round of a worker: ${wins.length}`);
    const expectedSeen = wins.map((w) => w['expected']);
    assert.equal(new Set(expectedSeen).size, wins.length, 'no two wins expected the same event');
    const store = await open(schema);
    try {
      const events = (await store.killSwitch.history(10_000)).reverse();
      assert.equal(events.length, wins.length, 'a lost compare-and-set wrote nothing');
      const before = new Map(events.map((e, i) => [e.id, i === 0 ? null : events[i - 1]!.id]));
      for (const w of wins) assert.equal(before.get(w['won'] as number), w['expected'], JSON.stringify(w));
    } finally {
      await store.close();
    }
  });

  it("two daemons' Alerters on one store: each alert reaches the webhook once", async () => {
    const schema = schemas.next();
    await using server = await TestHttpServer.start();
    server.fallback = { status: 200, delayMs: 10 };
    const store = await PgStore.open({ url: schemas.url, schema, mode: 'create' });
    const keys = Array.from({ length: 40 }, (_, i) => `inc-${i}`);
    try {
      for (const k of keys)
        await store.alerts.enqueue({
          channel: 'webhook',
          dedupeKey: k,
          severity: 'critical',
          title: k,
          body: '',
          createdAt: Date.now() - 1000,
        });
    } finally {
      await store.close();
    }
    const ws = [0, 1].map(() => worker({ schema, mode: 'alerts', hook: `${server.base}/hook` }));
    await Promise.all(ws.map((w) => w.ready));
    for (const w of ws) w.go();
    const sent = (await Promise.all(ws.map((w) => w.lines))).map((l) => l[0]!['sent'] as number);
    assert.equal(
      sent.reduce((a, b) => a + b, 0),
      keys.length,
      `sent ${sent.join(' + ')}`,
    );
    const received = server.requests.map((r) => (r.json as { key: string }).key).sort();
    assert.deepEqual(received, [...keys].sort(), 'every alert once, none twice');
  });
  it('warden status shows every host of the fleet and the leader, from the store', async () => {
    const schema = schemas.next();
    const w = workspace({ store: { kind: 'postgres', urlEnv: 'WARDEN_TEST_PG', schema } }, { init: false });
    const env = { WARDEN_TEST_PG: schemas.url };
    const store = await PgStore.open({ url: schemas.url, schema, mode: 'create' });
    try {
      await store.fleet.touch({ host: 'host-a', pid: 101, role: 'daemon', info: { leader: true } });
      await store.fleet.touch({ host: 'host-b', pid: 202, role: 'daemon', info: { leader: false } });
      await store.fleet.touch({ host: 'host-b', pid: 303, role: 'bot' });
      await store.heartbeats.record({ name: 'bot-b', kind: 'beat', status: 'ok', at: Date.now() });
    } finally {
      await store.close();
    }
    const json = await warden([...w.args, 'status', '--json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const o = JSON.parse(json.stdout) as {
      fleet: {
        leader: { host: string; pid: number } | null;
        members: { host: string; role: string; leader: boolean }[];
      };
      heartbeats: { name: string }[];
    };
    assert.deepEqual(o.fleet.leader, { host: 'host-a', pid: 101 });
    assert.deepEqual(o.fleet.members.map((m) => `${m.host}/${m.role}/${m.leader}`).sort(), [
      'host-a/daemon/true',
      'host-b/bot/false',
      'host-b/daemon/false',
    ]);
    assert.deepEqual(
      o.heartbeats.map((b) => b.name),
      ['bot-b'],
    );
    const text = await warden([...w.args, 'status'], { env });
    assert.match(text.stdout, /fleet: 3 processes on 2 hosts; leader: host-a pid 101/);
    assert.match(text.stdout, /host-b bot pid 303: last seen \d+s ago/);
  });
});
