// Bots' modes across hosts on PostgreSQL: a bot's transition reaches another host's daemon
// (GET /v1/mode, /v1/events) through the change feed's NOTIFY alone (no poll anywhere).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { KillSwitch } from '../src/killswitch/index.js';
import { DegradationManager, ModeRecorder } from '../src/modes/index.js';
import { PgChangeFeed } from '../src/fleet/index.js';
import { parseConfig } from '../src/config/index.js';
import { buildHttpApi } from '../src/daemon/http-api.js';
import { DaemonEvents, type DaemonEvent } from '../src/daemon/daemon-events.js';
import { DaemonMetrics } from '../src/daemon/metrics.js';
import { createLogger } from '../src/daemon/logger.js';
import { daemonGateRoutes } from '../src/daemon/daemon-gate.js';
import { createTestSchema, openFleetStore, type TestSchema } from './helpers/pg-test-schema.js';

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("fleet: every bot's mode reaches every daemon", () => {
  let db: TestSchema;
  const dirs: string[] = [];
  const closers: (() => Promise<unknown> | unknown)[] = [];
  before(async () => {
    db = await createTestSchema();
  });
  after(async () => {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
    await db.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("a bot's transition on one host reaches another host's daemon by NOTIFY alone", async () => {
    // host A: the bot, its degradation manager and recorder, with its own pool
    const botDir = mkdtempSync(join(tmpdir(), 'warden-fleet-bot-'));
    dirs.push(botDir);
    const botStore = await openFleetStore(db.url, db.schema, { poolSize: 2 });
    closers.push(() => botStore.close());
    const botKs = await KillSwitch.open({ store: botStore, dataDir: botDir, pollMs: 0, source: 'bot' });
    closers.push(() => botKs.close());
    const modes = new DegradationManager({ killSwitch: botKs, intervalMs: 0 });
    closers.push(() => modes.close());

    // host B: the daemon's gate/mode routes over its own pool, woken only by NOTIFY (feed poll off)
    const dDir = mkdtempSync(join(tmpdir(), 'warden-fleet-daemon-'));
    dirs.push(dDir);
    const store = await openFleetStore(db.url, db.schema, { poolSize: 2 });
    closers.push(() => store.close());
    const ks = await KillSwitch.open({ store, dataDir: dDir, pollMs: 0, source: 'daemon' });
    closers.push(() => ks.close());
    const feed = new PgChangeFeed({ connectionString: db.url, schema: db.schema, pollMs: 0 });
    closers.push(() => feed.close());
    await until('listening', () => feed.connection.state === 'listening');
    const events = new DaemonEvents();
    const seen: DaemonEvent[] = [];
    const sub = events.subscribe((e) => seen.push(e));
    closers.push(() => sub.dispose());
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    const metrics = new DaemonMetrics({ killSwitch: ks, store, heartbeats: [] });
    const parts = daemonGateRoutes(
      {},
      {
        config: parseConfig({}),
        killSwitch: ks,
        strategy: { check: () => ({ allow: true, reason: 'active' }) },
        decisions: undefined,
        metrics,
        events,
        logger: createLogger({ out: quiet, errors: quiet, pretty: false }),
        store,
        feed,
      },
    );
    closers.push(() => parts.close());
    const app = buildHttpApi({
      store,
      killSwitch: ks,
      dataDir: dDir,
      token: undefined,
      metrics: metrics.registry,
      routes: parts.routes,
    });
    closers.push(() => app.close());

    const recorder = new ModeRecorder({
      repo: botStore.modes,
      bot: 'fleet-bot',
      source: modes,
      refreshMs: 0,
    });
    closers.push(() => recorder.close());
    const modeOf = (want: string) => (e: DaemonEvent) =>
      e.type === 'mode' &&
      (e.data as { bot?: string }).bot === 'fleet-bot' &&
      (e.data as { mode: string }).mode === want;
    await until('OBSERVATION event', () => seen.some(modeOf('OBSERVATION')));
    modes.report({ balance: 1000, equity: 1000, feedAgeMs: 5 });
    await until('FULL event', () => seen.some(modeOf('FULL')));
    const r = await app.inject({ url: '/v1/mode' });
    assert.equal(r.statusCode, 200);
    const bots = r.json<{ bots: { bot: string; mode: string; host: string; stale: boolean }[] }>().bots;
    assert.deepEqual(
      bots.map((b) => [b.bot, b.mode, b.stale]),
      [['fleet-bot', 'FULL', false]],
    );
  });
});
