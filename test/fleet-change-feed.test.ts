import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FeedConnection } from '../src/fleet/index.js';
import { feedHosts, type FeedHostOptions } from './helpers/feed-hosts.js';
import { until } from './helpers/until.js';

describe('PgChangeFeed', () => {
  const hosts = feedHosts();
  const host = (name: string, opts?: FeedHostOptions) => hosts.host(name, opts);

  it('wakes a kill switch on NOTIFY alone (no poll anywhere): a trip on one host halts another', async () => {
    const a = await host('a1');
    const b = await host('b1');
    assert.equal(b.ks.isHalted(), false);
    await a.ks.trip({ reason: 'fleet test trip', by: 'test' });
    await until('b halted', () => b.ks.isHalted());
    const s = b.ks.state();
    assert.ok(s.halted && s.reason === 'fleet test trip' && s.source === 'store');
    await a.ks.resume({ reason: 'checked', by: 'tester' });
    await until('b running', () => !b.ks.isHalted());
  });

  it('with notifications disabled, the poll alone carries the change', async () => {
    const a = await host('a2');
    const b = await host('b2', { notifications: false, pollMs: 200 });
    await a.ks.trip({ reason: 'poll-only trip', by: 'test' });
    await until('b halted by the poll', () => b.ks.isHalted());
    assert.equal(b.feed.connection.state, 'connecting', 'it never listened');
    await a.ks.resume({ reason: 'checked', by: 'tester' });
    await until('b running', () => !b.ks.isHalted());
  });

  it('re-reads after a reconnect: a trip made while its listener was terminated is seen (no poll)', async () => {
    const a = await host('a3');
    const b = await host('b3', { reconnectMs: 1500 });
    const before = b.feed.connection as FeedConnection & { state: 'listening' };
    const seen: FeedConnection['state'][] = [];
    b.feed.onConnection((c) => seen.push(c.state));
    const [killed] = await hosts.db.sql<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [
      before.backendPid,
    ]);
    assert.equal(killed?.ok, true);
    await until('b noticed the lost listener', () => seen.includes('connecting'));
    // The NOTIFY of this trip goes to nobody on b's side: only the re-read after reconnecting can see it.
    await a.ks.trip({ reason: 'tripped while b was deaf', by: 'test' });
    assert.equal(b.ks.isHalted(), false);
    await until('b halted', () => b.ks.isHalted());
    const now = b.feed.connection;
    assert.equal(now.state, 'listening');
    assert.notEqual((now as { backendPid: number }).backendPid, before.backendPid);
    assert.equal(b.feed.reconnects, 1);
    await a.ks.resume({ reason: 'checked', by: 'tester' });
    await until('b running', () => !b.ks.isHalted());
  });

  it("keeps the gate correct when a host's store connection is terminated mid-run", async () => {
    const a = await host('a4');
    const b = await host('b4', { pollMs: 100 });
    // b's pool has one connection: the backend it reads through.
    const storePid = async (): Promise<number> =>
      (await b.store.connection.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const [killed] = await hosts.db.sql<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [
      await storePid(),
    ]);
    assert.equal(killed?.ok, true);
    await a.ks.trip({ reason: 'trip after the kill', by: 'test' });
    await until('b halted', () => {
      const s = b.ks.state();
      return s.halted && s.reason === 'trip after the kill';
    });
    const from = b.states.length;
    // While halted by the trip, b never shows running, whatever its connection did.
    await hosts.db.sql('SELECT pg_terminate_backend($1)', [await storePid()]);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(
      b.states.slice(from).every((s) => s.halted),
      'never running while the trip stands',
    );
    assert.equal(b.ks.isHalted(), true);
    await a.ks.resume({ reason: 'checked', by: 'tester' });
    await until('b running', () => !b.ks.isHalted());
  });
});
