import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { SqliteStore, type ModeWrite } from '../store/index.js';
import { ManualClock } from '../util/clock.js';
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
      store,
    });
    closers.push(parts);
    app = buildHttpApi({
      store,
      killSwitch: ks,
      dataDir: dir,
      token: TOKEN,
      metrics: metrics.registry,
      events,
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

  const write = (bot: string, mode: ModeWrite['mode'], seq = 1): ModeWrite => ({
    bot,
    mode,
    reason: mode === 'FULL' ? 'nominal' : 'feed_stale',
    detail: `${bot} is ${mode}`,
    since: 1_700_000_000_000,
    host: 'h1',
    pid: 11,
    seq,
  });
  type Bots = { bots: { bot: string; mode: string; reason: string; recorded: string; stale: boolean }[] };

  it("shows every bot's mode from the store; a record older than the bot's heartbeat limit is UNKNOWN, never FULL", async () => {
    const a = compose({ heartbeats: [{ name: 'alpha', periodSec: 30, graceSec: 10 }] });
    const e = await store.modes.claim(write('alpha', 'FULL'));
    await store.modes.claim(write('beta', 'REDUCE_ONLY'));
    // gamma's last record was taken 2 minutes ago (a store whose clock is 2 min behind): the bot may be down
    const past = SqliteStore.open(store.location, { clock: new ManualClock(Date.now() - 120_000) });
    await past.modes.claim(write('gamma', 'FULL'));
    await past.close();
    let r = await a.inject({ url: '/v1/mode' });
    assert.equal(r.statusCode, 200, 'no 501: the modes come from the store');
    const bots = r.json<Bots>().bots;
    assert.deepEqual(
      bots.map((b) => [b.bot, b.mode, b.reason, b.recorded, b.stale]),
      [
        ['alpha', 'FULL', 'nominal', 'FULL', false],
        ['beta', 'REDUCE_ONLY', 'feed_stale', 'REDUCE_ONLY', false],
        ['gamma', 'UNKNOWN', 'mode_record_stale', 'FULL', true],
      ],
    );
    const metrics = await a.inject({ url: '/metrics' });
    assert.match(metrics.body, /warden_mode\{bot="alpha",mode="FULL"\} 1/);
    assert.match(metrics.body, /warden_mode\{bot="gamma",mode="UNKNOWN"\} 1/);
    assert.match(metrics.body, /warden_mode\{bot="gamma",mode="FULL"\} 0/);
    // a change of alpha's mode reaches /v1/events by the daemon's poll (SQLite)
    await store.modes.record(e.epoch, write('alpha', 'OBSERVATION', 2));
    for (
      let i = 0;
      i < 300 &&
      !seen.some(
        (x) =>
          x.type === 'mode' &&
          (x.data as { bot?: string; mode: string }).bot === 'alpha' &&
          (x.data as { mode: string }).mode === 'OBSERVATION',
      );
      i++
    )
      await new Promise((res) => setTimeout(res, 10));
    assert.ok(
      seen.some(
        (x) =>
          x.type === 'mode' &&
          (x.data as { bot?: string }).bot === 'alpha' &&
          (x.data as { mode: string }).mode === 'OBSERVATION',
      ),
      'a mode event for alpha',
    );
    r = await a.inject({ url: '/v1/mode' });
    assert.equal(r.json<Bots>().bots[0]?.mode, 'OBSERVATION');
  });

  it('answers 503 (modes unknown) when the store cannot be read', async () => {
    const a = compose({});
    await store.modes.claim(write('alpha', 'FULL'));
    await store.close();
    const r = await a.inject({ url: '/v1/mode' });
    assert.equal(r.statusCode, 503);
    assert.match(r.json<{ error: string }>().error, /modes are unknown/);
    store = SqliteStore.open(join(dir, 'warden.db'));
  });

  it("streams the served gate's denials, and counts of allowed ones, to a real SSE client", async () => {
    const a = compose({ gate: { rateLimit: { overall: { limit: 2, windowMs: 60_000 } } } });
    await a.listen({ host: '127.0.0.1', port: 0 });
    const addr = a.addresses()[0] as { port: number };
    const base = `http://127.0.0.1:${addr.port}`;
    const res = await fetch(`${base}/v1/events`, { headers: { accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const got: { type: string; data: Record<string, unknown> }[] = [];
    let buf = '';
    const until = async (ok: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!ok()) {
        // The read itself races the deadline: an event that never comes fails the test, never hangs it.
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`not seen within 10 s; got ${JSON.stringify(got)}`)),
            Math.max(0, deadline - Date.now()),
          );
        });
        const { value, done } = await Promise.race([reader.read(), late]).finally(() => clearTimeout(timer));
        if (done) assert.fail('stream ended');
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (type && data) got.push({ type, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    };
    await until(() => got.some((g) => g.type === 'killswitch'));
    const post = () =>
      fetch(`${base}/v1/gate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(INTENT),
      });
    assert.equal((await post()).status, 200);
    assert.equal((await post()).status, 200);
    assert.equal((await post()).status, 403);
    await until(() => got.some((g) => g.type === 'gate' && g.data['allow'] === false));
    const denial = got.find((g) => g.type === 'gate' && g.data['allow'] === false)!;
    assert.equal(denial.data['layer'], 'rate_limit');
    assert.equal(denial.data['reason'], 'rate_limit_overall');
    assert.equal(denial.data['symbol'], 'BTC/USDT');
    assert.equal(denial.data['strategy'], 'NBA');
    await until(() => got.some((g) => g.type === 'gate' && g.data['summary'] === true));
    const summary = got.find((g) => g.type === 'gate' && g.data['summary'] === true)!;
    assert.deepEqual(
      [summary.data['allowed'], summary.data['denied'], summary.data['suppressed']],
      [2, 1, 0],
    );
    await reader.cancel();
  });
});
