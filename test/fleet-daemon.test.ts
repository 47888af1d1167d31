import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/index.js';
import { Daemon } from '../src/daemon/daemon.js';
import { createTestSchema, openFleetStore, type TestSchema } from './helpers/pg-test-schema.js';

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('warden serve in fleet mode', () => {
  let db: TestSchema;
  const dirs: string[] = [];
  before(async () => {
    db = await createTestSchema();
  });
  after(async () => {
    await db.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('two daemons: one leads and runs the watchdog (one trip for a missing bot); when it stops, the other leads', async () => {
    const config = parseConfig({
      store: { kind: 'postgres', url: db.url, schema: db.schema },
      fleet: { leaderRetryMs: 300, pollMs: 200 },
      heartbeats: [{ name: 'bot', periodSec: 1, graceSec: 0 }],
      watchdog: { intervalSec: 0.2 },
    });
    const daemons: { d: Daemon; logs: string[]; store: Awaited<ReturnType<typeof openFleetStore>> }[] = [];
    try {
      for (const n of ['h1', 'h2']) {
        const dir = mkdtempSync(join(tmpdir(), `warden-fleet-daemon-${n}-`));
        dirs.push(dir);
        const store = await openFleetStore(db.url, db.schema);
        const logs: string[] = [];
        const d = new Daemon({
          loaded: { config, path: null, dataDir: dir },
          store,
          port: 0,
          log: (l) => logs.push(l),
        });
        await d.start();
        daemons.push({ d, logs, store });
      }
      const leads = (i: number): boolean =>
        daemons[i]!.logs.some((l) => l.includes('fleet: this daemon leads'));
      await until('a leader', () => leads(0) || leads(1));
      const first = leads(0) ? 0 : 1;
      // The leader's watchdog trips for the bot that never reported; every daemon's kill switch sees it.
      let tripped = false;
      await until('the watchdog trips', () => {
        void daemons[0]!.store.killSwitch.latest().then((e) => (tripped = e?.action === 'trip'));
        return tripped;
      });
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(leads(1 - first), false, 'one leader at a time');
      const trips = (await daemons[0]!.store.killSwitch.history(50)).filter((e) => e.action === 'trip');
      assert.equal(
        trips.length,
        1,
        `one trip, not one per daemon: ${JSON.stringify(trips.map((t) => t.reason))}`,
      );
      await daemons[first]!.d.close();
      await until('the other leads', () => leads(1 - first), 10_000);
    } finally {
      for (const x of daemons) {
        await x.d.close().catch(() => undefined);
        await x.store.close();
      }
    }
  });
});
