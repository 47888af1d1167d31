import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { SqliteStore } from '../store/index.js';
import { KillSwitch } from '../killswitch/index.js';
import { parseConfig } from '../config/index.js';
import { DecisionLog } from '../decisions/index.js';
import { DegradationManager } from '../modes/index.js';
import { BreakerRegistry, ConsecutiveRule } from '../resilience/index.js';
import { buildHttpApi } from './http-api.js';
import { DaemonEvents, type DaemonEvent } from './daemon-events.js';
import { DaemonMetrics } from './metrics.js';
import { createLogger } from './logger.js';
import { daemonGateRoutes } from './daemon-gate.js';
import { readDecisionsSince } from './routes/decision-routes.js';

const TOKEN = 'daemon-gate-token';
const INTENT = { symbol: 'BTC/USDT', side: 'buy', amount: 1, strategy: 'NBA' };

describe("the daemon's gate composition", () => {
  let dir: string;
  let store: SqliteStore;
  let ks: KillSwitch;
  let log: DecisionLog;
  let events: DaemonEvents;
  let seen: DaemonEvent[];
  let closers: { close(): void }[];
  let app: FastifyInstance | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-daemon-gate-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
    ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 0, source: 'daemon' });
    log = DecisionLog.open({ dir: join(dir, 'decisions'), flushIntervalMs: 1 });
    events = new DaemonEvents();
    seen = [];
    closers = [];
    app = undefined;
    const sub = events.subscribe((e) => seen.push(e));
    closers.push({ close: () => sub.dispose() });
  });
  afterEach(async () => {
    await app?.close();
    for (const c of closers) c.close();
    await log.close();
    await ks.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const compose = (config: unknown, o: Parameters<typeof daemonGateRoutes>[0] = {}) => {
    const metrics = new DaemonMetrics({ killSwitch: ks, store, heartbeats: [] });
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    const parts = daemonGateRoutes(o, {
      config: parseConfig(config),
      killSwitch: ks,
      strategy: { check: () => ({ allow: true, reason: 'active' }) },
      decisions: log,
      metrics,
      events,
      logger: createLogger({ out: quiet, errors: quiet, pretty: false }),
    });
    closers.push(parts);
    app = buildHttpApi({
      store,
      killSwitch: ks,
      dataDir: dir,
      token: TOKEN,
      metrics: metrics.registry,
      routes: parts.routes,
    });
    return app;
  };
  const gate = (a: FastifyInstance) =>
    a.inject({
      method: 'POST',
      url: '/v1/gate',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: INTENT,
    });

  it("applies the config's gate section (rate limit) and records every decision in the decision log", async () => {
    const a = compose({ gate: { rateLimit: { overall: { limit: 2, windowMs: 60_000 } } } });
    assert.equal((await gate(a)).statusCode, 200);
    assert.equal((await gate(a)).statusCode, 200);
    const third = await gate(a);
    assert.equal(third.statusCode, 403);
    assert.deepEqual(third.json(), { allow: false, reason: 'rate_limit_overall', layer: 'rate_limit' });
    await log.flush();
    const recs = await readDecisionsSince(log.dir, 0, 100);
    assert.deepEqual(
      recs.map((r) => [r.kind, r.by, (r.data as { reason: string }).reason]),
      [
        ['gate', 'daemon', 'allowed'],
        ['gate', 'daemon', 'allowed'],
        ['gate', 'daemon', 'rate_limit_overall'],
      ],
    );
  });

  it('denies new risk once the decision log has failed (fail closed), and says why', async () => {
    const a = compose({});
    await log.close();
    const r = await gate(a);
    assert.equal(r.statusCode, 403);
    assert.equal(r.json<{ reason: string }>().reason, 'decision_log_unwritable_fail_closed');
    log = DecisionLog.open({ dir: join(dir, 'decisions') });
  });

  it("puts a given mode layer in the gate's mode slot and publishes mode and breaker changes as events", async () => {
    const modes = new DegradationManager({ killSwitch: ks, intervalMs: 0 });
    closers.push(modes);
    const breakers = new BreakerRegistry();
    const venue = breakers.get('venue', { rule: new ConsecutiveRule(1) });
    const a = compose({}, { gateLayers: { mode: modes }, modes, breakers });
    let r = await gate(a);
    assert.equal(r.statusCode, 403, 'nothing reported: OBSERVATION denies new risk');
    assert.equal(r.json<{ layer: string }>().layer, 'mode');
    modes.report({ balance: 500, equity: 500, feedAgeMs: 5 });
    r = await gate(a);
    assert.equal(r.statusCode, 200);
    await venue.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    const mode = seen.find((e) => e.type === 'mode');
    assert.ok(mode, 'a mode event');
    assert.equal((mode.data as { mode: string }).mode, 'FULL');
    const br = seen.find((e) => e.type === 'breaker');
    assert.ok(br, 'a breaker event');
    assert.deepEqual(
      { name: (br.data as { name: string }).name, state: (br.data as { state: string }).state },
      { name: 'venue', state: 'open' },
    );
    const m = await a.inject({ url: '/v1/mode' });
    assert.equal(m.json<{ mode: string }>().mode, 'FULL');
  });
});
