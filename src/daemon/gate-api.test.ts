import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { SqliteStore } from '../store/index.js';
import { KillSwitch } from '../killswitch/index.js';
import { KillSwitchLayer, createGate, type GateDecision } from '../gate/index.js';
import { DegradationManager } from '../modes/index.js';
import { Freshness } from '../market/freshness.js';
import { BreakerRegistry, ConsecutiveRule } from '../resilience/index.js';
import { parseConfig } from '../config/index.js';
import { ManualClock } from '../util/clock.js';
import { buildHttpApi, type RouteGroup } from './http-api.js';
import { BreakerWatch, MAX_FOLLOWED_BREAKERS } from './breaker-watch.js';
import { MAX_GATE_LABEL_PAIRS, registerGateMetrics } from './gate-metrics.js';
import { gateRoutes } from './routes/gate-routes.js';
import { modeRoutes } from './routes/mode-routes.js';
import { breakerRoutes } from './routes/breaker-routes.js';
import { dashboardRoutes, DASHBOARD_CSP } from './routes/dashboard-routes.js';
import { heartbeatStatusRoutes } from './routes/heartbeat-status-routes.js';
import { strategyHistoryRoutes } from './routes/strategy-history-routes.js';

const TOKEN = 'gate-api-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const INTENT = { symbol: 'BTC/USDT', side: 'buy', amount: 0.5 };

/** One Prometheus sample's value from the exposition text, or undefined. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('gate, mode and breaker routes (inject)', () => {
  let dir: string;
  let store: SqliteStore;
  let ks: KillSwitch;
  let clock: ManualClock;
  let registry: Registry;
  let closers: { close(): void }[];
  let app: FastifyInstance | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-gate-api-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
    ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 0, source: 'api' });
    clock = new ManualClock(10_000_000);
    registry = new Registry();
    closers = [];
    app = undefined;
  });
  afterEach(async () => {
    await app?.close();
    for (const c of closers) c.close();
    await ks.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const build = (routes: RouteGroup[], readsNeedToken = false): FastifyInstance =>
    (app = buildHttpApi({
      store,
      killSwitch: ks,
      dataDir: dir,
      token: TOKEN,
      clock,
      metrics: registry,
      routes,
      readsNeedToken: () => readsNeedToken,
    }));
  const gateApp = () => {
    const gate = createGate({ killSwitch: new KillSwitchLayer(ks) });
    return build([gateRoutes(gate, registerGateMetrics(registry, {}))]);
  };
  const gatePost = (
    a: FastifyInstance,
    payload: unknown,
    url = '/v1/gate',
    headers: Record<string, string> = auth,
  ) => a.inject({ method: 'POST', url, headers, payload: payload as object });
  const scrape = async (a: FastifyInstance) => (await a.inject({ url: '/metrics' })).body;

  describe('POST /v1/gate', () => {
    it('answers 200 with {allow, reason, layer} for an allowed intent, 403 with the denying layer when halted', async () => {
      const a = gateApp();
      let r = await gatePost(a, INTENT);
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json(), { allow: true, reason: 'allowed', layer: 'gate' });
      await ks.trip({ reason: 'test halt', by: 'test' });
      r = await gatePost(a, INTENT);
      assert.equal(r.statusCode, 403);
      assert.deepEqual(r.json(), { allow: false, reason: 'halted_deny_new_risk', layer: 'killswitch' });
      r = await gatePost(a, { ...INTENT, side: 'sell', reduceOnly: true });
      assert.equal(r.statusCode, 200, 'a reduce-only order passes a halt');
      assert.equal(r.json<GateDecision>().allow, true);
    });

    it('needs the token (401 without it, nothing counted), even on loopback', async () => {
      const a = gateApp();
      for (const headers of [{}, { authorization: 'Bearer wrong' }] as Record<string, string>[]) {
        const r = await gatePost(a, INTENT, '/v1/gate', headers);
        assert.equal(r.statusCode, 401);
      }
      assert.equal(
        sample(await scrape(a), 'warden_gate_decisions_total', 'layer="gate",reason="allowed"'),
        undefined,
      );
    });

    it('refuses a bad intent with 400 naming the field', async () => {
      const a = gateApp();
      const cases: [unknown, string][] = [
        [{ symbol: 'BTC/USDT', side: 'buy' }, 'amount'],
        [{ ...INTENT, side: 'long' }, 'side'],
        [{ ...INTENT, amount: 0 }, 'amount'],
        [{ ...INTENT, amount: 'lots' }, 'amount'],
        [{ ...INTENT, reduceOnly: 'yes' }, 'reduceOnly'],
        [{ ...INTENT, symbol: '' }, 'symbol'],
      ];
      for (const [payload, field] of cases) {
        const r = await gatePost(a, payload);
        assert.equal(r.statusCode, 400, JSON.stringify(payload));
        assert.equal(r.json<{ field: string }>().field, field, r.body);
      }
    });

    it('explains when asked: every layer with its role and inputs', async () => {
      const a = gateApp();
      await ks.trip({ reason: 'explain me', by: 'test' });
      const r = await gatePost(a, INTENT, '/v1/gate?explain=true');
      assert.equal(r.statusCode, 403);
      const body = r.json<{ layer: string; layers: { slot: string; role: string; inputs?: unknown }[] }>();
      assert.equal(body.layer, 'killswitch');
      assert.equal(body.layers[0]!.slot, 'killSwitch');
      assert.equal(body.layers[0]!.role, 'decided');
      assert.ok(body.layers[0]!.inputs, 'the layer says what it decided on');
    });

    it('counts decisions by layer and reason in warden_gate_decisions_total', async () => {
      const a = gateApp();
      await gatePost(a, INTENT);
      await gatePost(a, INTENT);
      await ks.trip({ reason: 'count me', by: 'test' });
      await gatePost(a, INTENT);
      const text = await scrape(a);
      assert.equal(sample(text, 'warden_gate_decisions_total', 'layer="gate",reason="allowed"'), 2);
      assert.equal(
        sample(text, 'warden_gate_decisions_total', 'layer="killswitch",reason="halted_deny_new_risk"'),
        1,
      );
    });

    it('keeps the label set bounded: pairs past the cap are counted as other/other', async () => {
      let n = 0;
      // A layer whose reasons never repeat (a bug elsewhere) must not grow the label set.
      const gate = createGate({
        killSwitch: {
          name: 'wild',
          check: () => ({ allow: false, layer: 'wild', reason: `r${n++}` }),
        },
      });
      const a = build([gateRoutes(gate, registerGateMetrics(registry, {}))]);
      for (let i = 0; i < MAX_GATE_LABEL_PAIRS + 25; i++) await gatePost(a, INTENT);
      const text = await scrape(a);
      const lines = text.split('\n').filter((l) => l.startsWith('warden_gate_decisions_total{'));
      assert.equal(lines.length, MAX_GATE_LABEL_PAIRS + 1);
      assert.equal(sample(text, 'warden_gate_decisions_total', 'layer="other",reason="other"'), 25);
    });
  });

  describe('GET /v1/mode', () => {
    it('answers 501 when the daemon has no mode source', async () => {
      const a = build([modeRoutes(undefined)]);
      const r = await a.inject({ url: '/v1/mode' });
      assert.equal(r.statusCode, 501);
      assert.match(r.json<{ error: string }>().error, /no degradation manager/);
    });

    it('shows the mode, its reason and since, per-instrument OBSERVATION, and warden_mode', async () => {
      const modes = new DegradationManager({ killSwitch: ks, clock, intervalMs: 0 });
      closers.push(modes);
      const freshness = new Freshness({ clock, maxAgeMs: 60_000 });
      freshness.tick('BTC/USDT', 61_000, clock.now());
      freshness.tick('ETH/USDT', 3_000, clock.now() - 120_000);
      const src = { state: modes.state, onChange: modes.onChange, instruments: freshness };
      Object.defineProperty(src, 'state', { get: () => modes.state });
      const a = build([modeRoutes(src, clock)]);
      registerGateMetrics(registry, { modes: src });
      let r = await a.inject({ url: '/v1/mode' });
      assert.equal(r.statusCode, 200);
      let m = r.json<{ mode: string; reason: string; since: number; instruments: unknown[] }>();
      assert.equal(m.mode, 'OBSERVATION', 'nothing reported yet: fail closed');
      assert.equal(m.reason, 'balance_unknown');
      assert.equal(m.since, clock.now());
      assert.deepEqual(m.instruments, [
        { symbol: 'BTC/USDT', mode: 'FULL', ageMs: 0 },
        { symbol: 'ETH/USDT', mode: 'OBSERVATION', ageMs: 120_000 },
      ]);
      let text = await scrape(a);
      assert.equal(sample(text, 'warden_mode', 'bot="daemon",mode="OBSERVATION"'), 1);
      assert.equal(sample(text, 'warden_mode', 'bot="daemon",mode="FULL"'), 0);
      clock.advance(1000);
      modes.report({ balance: 1000, equity: 1000, feedAgeMs: 10 });
      r = await a.inject({ url: '/v1/mode' });
      m = r.json();
      assert.equal(m.mode, 'FULL');
      assert.equal(m.since, clock.now());
      text = await scrape(a);
      assert.equal(sample(text, 'warden_mode', 'bot="daemon",mode="FULL"'), 1);
      assert.equal(sample(text, 'warden_mode', 'bot="daemon",mode="OBSERVATION"'), 0);
    });
  });

  describe('GET /v1/breakers', () => {
    it('lists every breaker with state, since and counts; metrics follow states and transitions', async () => {
      const reg = new BreakerRegistry();
      const venue = reg.get('binance', { rule: new ConsecutiveRule(2), clock });
      const watch = new BreakerWatch(reg);
      closers.push(watch);
      registerGateMetrics(registry, { breakers: watch });
      const a = build([breakerRoutes(watch)]);
      const boom = () => Promise.reject(new Error('venue down'));
      for (let i = 0; i < 2; i++) await venue.execute(boom).catch(() => undefined);
      // A breaker made after the daemon started is found too.
      reg.get('telegram', { clock });
      const r = await a.inject({ url: '/v1/breakers' });
      assert.equal(r.statusCode, 200);
      const list = r.json<{
        breakers: {
          name: string;
          state: string;
          since: number;
          failures: number;
          trips: number;
          transitions: Record<string, number>;
        }[];
      }>().breakers;
      assert.deepEqual(
        list.map((b) => [b.name, b.state]),
        [
          ['binance', 'open'],
          ['telegram', 'closed'],
        ],
      );
      assert.equal(list[0]!.failures, 2);
      assert.equal(list[0]!.trips, 1);
      assert.equal(list[0]!.since, clock.now());
      assert.deepEqual(list[0]!.transitions, { open: 1 });
      const text = await scrape(a);
      assert.equal(sample(text, 'warden_breaker_state', 'breaker="binance",state="open"'), 1);
      assert.equal(sample(text, 'warden_breaker_state', 'breaker="binance",state="closed"'), 0);
      assert.equal(sample(text, 'warden_breaker_state', 'breaker="telegram",state="closed"'), 1);
      assert.equal(sample(text, 'warden_breaker_transitions_total', 'breaker="binance",to="open"'), 1);
    });

    it('follows at most MAX_FOLLOWED_BREAKERS breakers (bounded labels), and still lists them all', async () => {
      const reg = new BreakerRegistry();
      for (let i = 0; i < MAX_FOLLOWED_BREAKERS + 5; i++)
        reg.get(`b${String(i).padStart(3, '0')}`, { clock });
      const watch = new BreakerWatch(reg);
      closers.push(watch);
      registerGateMetrics(registry, { breakers: watch });
      const a = build([breakerRoutes(watch)]);
      const list = (await a.inject({ url: '/v1/breakers' })).json<{ breakers: unknown[] }>().breakers;
      assert.equal(list.length, MAX_FOLLOWED_BREAKERS + 5);
      const text = await scrape(a);
      const states = text
        .split('\n')
        .filter((l) => l.startsWith('warden_breaker_state{') && l.endsWith(' 1'));
      assert.equal(states.length, MAX_FOLLOWED_BREAKERS);
    });
  });

  describe('the dashboard files', () => {
    it('serves the page, its script and stylesheet with a CSP, open even where reads need the token', async () => {
      const a = build([dashboardRoutes()], true);
      for (const [url, type] of [
        ['/', /text\/html/],
        ['/dashboard.js', /text\/javascript/],
        ['/dashboard.css', /text\/css/],
      ] as const) {
        const r = await a.inject({ url });
        assert.equal(r.statusCode, 200, url);
        assert.match(String(r.headers['content-type']), type);
        assert.equal(r.headers['content-security-policy'], DASHBOARD_CSP);
        assert.equal(r.headers['x-content-type-options'], 'nosniff');
      }
      assert.equal(
        (await a.inject({ url: '/v1/killswitch' })).statusCode,
        401,
        'the data still needs the token',
      );
      assert.match(DASHBOARD_CSP, /script-src 'self'/);
      assert.doesNotMatch(DASHBOARD_CSP, /unsafe-inline|unsafe-eval|\*/);
    });

    it('the page script never writes data as HTML', async () => {
      const a = build([dashboardRoutes()]);
      const js = (await a.inject({ url: '/dashboard.js' })).body;
      assert.doesNotMatch(js, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
      assert.doesNotMatch(js, /[?&]token=/, 'the token never goes in a URL');
      const html = (await a.inject({ url: '/' })).body;
      assert.doesNotMatch(html, /<script>|\son[a-z]+=|style=|https?:\/\//, 'no inline code, no other origin');
    });
  });

  describe('GET /v1/heartbeats', () => {
    it('gives each heartbeat its age and the limit it is judged against', async () => {
      const config = parseConfig({
        heartbeats: [
          { name: 'bot', periodSec: 60, graceSec: 30 },
          { name: 'nightly', cron: '0 3 * * *' },
        ],
      });
      await store.heartbeats.record({ name: 'bot', kind: 'beat', status: 'ok', at: clock.now(), extra: {} });
      const a = build([heartbeatStatusRoutes(config.heartbeats, { now: () => Date.now() + 5_000 })]);
      const r = await a.inject({ url: '/v1/heartbeats' });
      const hb = r.json<{
        heartbeats: { name: string; ageMs: number | null; maxAgeMs: number | null; configured: boolean }[];
      }>().heartbeats;
      const bot = hb.find((h) => h.name === 'bot')!;
      assert.equal(bot.maxAgeMs, 90_000);
      assert.ok(bot.ageMs! >= 5_000 && bot.ageMs! < 60_000, String(bot.ageMs));
      assert.deepEqual(
        hb.find((h) => h.name === 'nightly'),
        {
          name: 'nightly',
          status: null,
          receivedAt: null,
          ageMs: null,
          maxAgeMs: null,
          configured: true,
        },
      );
    });
  });

  describe('GET /v1/strategies/history', () => {
    it("replays the trade log with the configured rules: a losing key's trip is marked", async () => {
      const day = 86_400_000;
      const start = Math.floor(Date.now() / day) * day - 40 * day;
      let log = '';
      for (let d = 0; d < 40; d++)
        for (let i = 0; i < 5; i++) {
          const ts = new Date(start + d * day + i * 1000).toISOString();
          log += `{"ts":"${ts}","sport":"NHL","resolved":"NO","pnl_c":-50,"size":1,"entry_price_c":50}\n`;
          log += `{"ts":"${ts}","sport":"NBA","resolved":"YES","pnl_c":50,"size":1,"entry_price_c":50}\n`;
        }
      const trades = join(dir, 'trades.jsonl');
      writeFileSync(trades, log);
      const s = parseConfig({}).strategy;
      const a = build([strategyHistoryRoutes(s, trades)]);
      const r = await a.inject({ url: '/v1/strategies/history?days=30' });
      assert.equal(r.statusCode, 200, r.body);
      const h = r.json<{ days: number; strategies: { key: string; pnl: number[]; trips: number[] }[] }>();
      assert.equal(h.days, 30);
      const nhl = h.strategies.find((x) => x.key === 'NHL')!;
      const nba = h.strategies.find((x) => x.key === 'NBA')!;
      assert.equal(nhl.pnl.length, 30);
      assert.ok(nhl.pnl[29]! < nhl.pnl[0]!, 'cumulative P&L falls');
      assert.equal(nba.trips.length, 0);
      // 5 trades a day: minN (30) is reached on day 6, inside the whole log but before the last 30 days.
      const all = (await a.inject({ url: '/v1/strategies/history?days=40' })).json<typeof h>();
      assert.deepEqual(all.strategies.find((x) => x.key === 'NHL')!.trips, [6]);
      assert.equal((await a.inject({ url: '/v1/strategies/history?days=0' })).statusCode, 400);
    });

    it('answers 404 when there is no trade log and the store recorded no change', async () => {
      const a = build([strategyHistoryRoutes(parseConfig({}).strategy, join(dir, 'none.jsonl'))]);
      assert.equal((await a.inject({ url: '/v1/strategies/history' })).statusCode, 404);
    });

    it("shows the store's recorded changes (who, when, why, version), with or without a trade log here", async () => {
      const s = parseConfig({}).strategy;
      const doc = { as_of: '2026-12-01T00:00:00.000Z', as_of_unix: 1_796_083_200, strategies: {} };
      const ev = {
        action: 'evaluate' as const,
        key: null,
        reason: 'evaluation: 2 key(s)',
        by: 'daemon',
        at: 1000,
      };
      assert.ok((await store.strategyState.put('strategies', 0, doc, [ev], 'daemon')).ok);
      const block = { action: 'block' as const, key: 'NHL', reason: 'news', by: 'alice', at: 2000 };
      assert.ok((await store.strategyState.put('strategies', 1, doc, [block], 'alice')).ok);
      type Body = {
        strategies: unknown[];
        tradeLog: { status: string; error?: string };
        changes: { status: string; name: string; events: Record<string, unknown>[] };
      };
      // No trade log on this host: still 200, with the changes and why there is no chart.
      const none = build([strategyHistoryRoutes(s, join(dir, 'none.jsonl'))]);
      const r = await none.inject({ url: '/v1/strategies/history' });
      assert.equal(r.statusCode, 200, r.body);
      const b = r.json<Body>();
      assert.deepEqual(b.strategies, []);
      assert.equal(b.tradeLog.status, 'missing');
      assert.equal(b.changes.name, 'strategies');
      assert.deepEqual(
        b.changes.events.map((e) => [e['version'], e['action'], e['key'], e['by'], e['reason'], e['time']]),
        [
          [1, 'evaluate', null, 'daemon', 'evaluation: 2 key(s)', '1970-01-01T00:00:01.000Z'],
          [2, 'block', 'NHL', 'alice', 'news', '1970-01-01T00:00:02.000Z'],
        ],
      );
      const one = (await none.inject({ url: '/v1/strategies/history?changes=1' })).json<Body>();
      assert.deepEqual(
        one.changes.events.map((e) => e['version']),
        [2],
        'the newest',
      );
      await app?.close();
      // With a trade log: the old fields, and the changes beside them.
      const trades = join(dir, 'trades.jsonl');
      const ts = new Date().toISOString();
      writeFileSync(
        trades,
        `{"ts":"${ts}","sport":"NBA","resolved":"YES","pnl_c":50,"size":1,"entry_price_c":50}\n`,
      );
      const withLog = build([strategyHistoryRoutes(s, trades)]);
      const w = (await withLog.inject({ url: '/v1/strategies/history' })).json<Body & { days: number }>();
      assert.equal(w.tradeLog.status, 'ok');
      assert.equal(w.strategies.length, 1);
      assert.equal(w.changes.events.length, 2);
    });
  });
});
