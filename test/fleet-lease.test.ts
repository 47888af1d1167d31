import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KillSwitch, type HaltState } from '../src/killswitch/index.js';
import { createTestSchema, openFleetStore, type TestSchema } from './helpers/pg-test-schema.js';
import { startFreezeProxy, type FreezeProxy } from './helpers/freeze-proxy.js';

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the kill switch lease (fleet mode)', () => {
  let db: TestSchema;
  let proxy: FreezeProxy;
  let dir: string;
  before(async () => {
    db = await createTestSchema();
    proxy = await startFreezeProxy(Number(new URL(db.url).port || 5432), new URL(db.url).hostname);
    dir = mkdtempSync(join(tmpdir(), 'warden-lease-'));
  });
  after(async () => {
    await proxy.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function silenced(
    leaseLost: 'trip' | 'wait',
  ): Promise<{ ks: KillSwitch; states: HaltState[]; close(): Promise<void> }> {
    const u = new URL(db.url);
    u.port = String(proxy.port);
    // Statements may wait 60 s: only the lease can notice the silence in time.
    const store = await openFleetStore(u.toString(), db.schema, { timeoutMs: 60_000 });
    const ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 100, leaseMs: 1000, leaseLost });
    const states: HaltState[] = [];
    ks.onChange((s) => states.push(s));
    assert.equal(ks.isHalted(), false);
    proxy.freeze();
    const frozenAt = Date.now();
    await until('halted by the lease', () => ks.isHalted());
    const s = ks.state();
    assert.ok(s.halted);
    assert.equal(s.source, 'unreadable');
    assert.match(
      s.reason,
      /lease expired: the kill switch state was not confirmed for \d+ ms \(lease 1000 ms; a read of the store has not answered\)/,
    );
    // Not before the lease: a gate does not halt on one slow read.
    assert.ok(Date.now() - frozenAt >= 1000 - 150, 'engaged no earlier than the lease allows');
    return {
      ks,
      states,
      close: async () => {
        proxy.thaw();
        await ks.close();
        await store.close();
      },
    };
  }

  it('engages when the store stops answering (no error, no close) and says why; once it answers, a trip is recorded and only a resume lets it trade', async () => {
    const t = await silenced('trip');
    try {
      const from = t.states.length;
      proxy.thaw();
      await until('halted by the recorded lease trip', () => {
        const s = t.ks.state();
        return s.halted && s.source === 'store';
      });
      const s = t.ks.state();
      assert.ok(
        s.halted &&
          s.by === 'lease' &&
          /^lease lost: .* could not confirm the kill switch for \d+ s/.test(s.reason),
      );
      assert.ok(
        t.states.slice(from).every((x) => x.halted),
        'never running between the silence and the resume',
      );
      const [latest] = await t.ks.history(1);
      assert.equal(latest?.by, 'lease');
      await t.ks.resume({ reason: 'store checked', by: 'tester' });
      assert.equal(t.ks.isHalted(), false);
    } finally {
      await t.close();
    }
  });

  it("with leaseLost 'wait', trading resumes once a read succeeds (reads that began before the silence do not count)", async () => {
    const t = await silenced('wait');
    try {
      const from = t.states.length;
      proxy.thaw();
      await until('running again', () => !t.ks.isHalted());
      const after = t.states.slice(from);
      assert.equal(after.length, 1, `one change back to running, got ${JSON.stringify(after)}`);
    } finally {
      await t.close();
    }
  });

  it('without a lease, the same silence leaves the cached state as it was (what the lease is for)', async () => {
    const u = new URL(db.url);
    u.port = String(proxy.port);
    const store = await openFleetStore(u.toString(), db.schema, { timeoutMs: 60_000 });
    const ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 100 });
    try {
      proxy.freeze();
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(ks.isHalted(), false);
    } finally {
      proxy.thaw();
      await ks.close();
      await store.close();
    }
  });
});
