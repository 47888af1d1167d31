// The schema-name rule is one rule for the store, the change feed, the election and the config:
// at most 55 characters, so that `<schema>_changes` is a whole PostgreSQL identifier (63 bytes).
// Tested at both edges on the real server: 55 works end to end (a NOTIFY of a trip is heard on
// the 63-byte channel), 56 is refused by every one of them, naming the field.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { PgChangeFeed, LeaderElection } from '../src/fleet/index.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import { SCHEMA_NAME_MAX, changeChannel } from '../src/store/postgres/schema-name.js';
import { parseConfig } from '../src/config/index.js';
import { ConfigError } from '../src/config/index.js';
import { TEST_PG_URL, sqlOnce } from './helpers/pg-test-schema.js';

const prefix = `warden_t_${randomBytes(5).toString('hex')}_`;
const named = (len: number): string => prefix + 'x'.repeat(len - prefix.length);
const longest = named(55);
const tooLong = named(56);

describe('the schema-name rule (store, feed, election, config agree)', () => {
  after(async () => {
    await sqlOnce(TEST_PG_URL, `DROP SCHEMA IF EXISTS ${longest} CASCADE`);
  });

  it('is 55 characters, so the channel name is exactly 63 bytes', () => {
    assert.equal(SCHEMA_NAME_MAX, 55);
    assert.equal(longest.length, 55);
    assert.equal(changeChannel(longest).length, 63);
    assert.throws(() => changeChannel(tooLong), RangeError);
  });

  it('accepts 55 characters end to end: the store migrates and a trip is heard on the 63-byte channel', async () => {
    const store = await PgStore.open({ url: TEST_PG_URL, schema: longest, mode: 'create', poolSize: 1 });
    const feed = new PgChangeFeed({ connectionString: TEST_PG_URL, schema: longest, pollMs: 0 });
    const election = new LeaderElection({ connectionString: TEST_PG_URL, schema: longest });
    try {
      const heard: (string | number | null)[] = [];
      feed.onWake((w) => {
        if (w.cause === 'notify' && w.area === 'killswitch') heard.push(w.id);
      });
      const t0 = Date.now();
      while (feed.connection.state !== 'listening') {
        assert.ok(Date.now() - t0 < 10_000, 'the feed listens');
        await new Promise((r) => setTimeout(r, 20));
      }
      const ev = await store.killSwitch.append({
        action: 'trip',
        at: Date.now(),
        reason: 'edge',
        by: 'test',
        source: 'test',
        host: hostname(),
        pid: process.pid,
        flatten: false,
      });
      while (heard.length === 0) {
        assert.ok(Date.now() - t0 < 10_000, 'the notification arrives');
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(heard, [ev.id]);
    } finally {
      await election.close();
      await feed.close();
      await store.close();
    }
  });

  it('refuses 56 characters everywhere, naming the field, before touching the server', async () => {
    await assert.rejects(
      PgStore.open({ url: TEST_PG_URL, schema: tooLong, mode: 'create' }),
      (e: Error) => e instanceof RangeError && /store\.schema: .*at most 55/.test(e.message),
    );
    assert.throws(
      () => new PgChangeFeed({ connectionString: TEST_PG_URL, schema: tooLong, pollMs: 0 }),
      /schema: .*at most 55/,
    );
    assert.throws(
      () => new LeaderElection({ connectionString: TEST_PG_URL, schema: tooLong }),
      /schema: .*at most 55/,
    );
    const cfg = (schema: string) => ({ store: { kind: 'postgres', url: TEST_PG_URL, schema } });
    assert.equal(parseConfig(cfg(longest)).store.kind, 'postgres');
    assert.throws(
      () => parseConfig(cfg(tooLong)),
      (e: Error) =>
        e instanceof ConfigError && /store\.schema/.test(e.message) && /at most 55/.test(e.message),
    );
    const [row] = await sqlOnce<{ n: number }>(
      TEST_PG_URL,
      'SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1',
      [tooLong.slice(0, 63)],
    );
    assert.equal(row?.n, 0, 'no schema was created for the refused name');
  });
});
