import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SqliteStore } from '../store/index.js';
import { KillSwitch } from '../killswitch/index.js';
import { StrategyBreaker } from '../strategy/index.js';
import {
  DeadLetterQueue,
  Executor,
  alwaysReady,
  canonicalPayload,
  createSqliteOrderStores,
  type SqliteOrderStores,
} from '../orders/index.js';
import { ExchangeSimulator, InProcessExchange } from '../exchange/index.js';
import { DecisionLog, verifyDecisionLog } from '../decisions/index.js';
import { ManualClock } from '../util/clock.js';
import { buildHttpApi } from './http-api.js';

const TOKEN = 's3cret-token-v1';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('HTTP API /v1', () => {
  let dir: string;
  let store: SqliteStore;
  let ks: KillSwitch;
  let breaker: StrategyBreaker;
  let stores: SqliteOrderStores;
  let log: DecisionLog;
  let clock: ManualClock;
  let app: FastifyInstance;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-v1-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
    ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 0, source: 'api' });
    const statePath = join(dir, 'strategy_state.json');
    const now = Date.now();
    writeFileSync(
      statePath,
      JSON.stringify({
        as_of: new Date(now).toISOString(),
        as_of_unix: now / 1000,
        strategies: {
          NHL: { status: 'blocked', roi_30d: -0.2, n_30d: 40, tripped_at: null, reason: 'roi' },
          NBA: { status: 'active', roi_30d: 0.1, n_30d: 50, tripped_at: null, note: '' },
        },
      }),
    );
    breaker = new StrategyBreaker({ statePath, watch: false, reloadIntervalMs: 0 });
    stores = createSqliteOrderStores(store.database);
    log = DecisionLog.open({ dir: join(dir, 'decisions') });
    clock = new ManualClock(1_000_000);
    app = buildHttpApi({
      store,
      killSwitch: ks,
      dataDir: dir,
      token: TOKEN,
      clock,
      strategy: { breaker, stateKey: 'strategies' },
      dlq: { dlq: new DeadLetterQueue(stores.dlq) },
      decisions: { log },
    });
  });
  afterEach(async () => {
    await app.close();
    await log.close();
    await stores.close();
    breaker.close();
    await ks.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = auth) =>
    app.inject({ method: 'POST', url, headers, payload: payload as object });

  it('answers 400 naming the field for a bad body, param or query, and changes nothing', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['/v1/killswitch', { action: 'trip' }, /^reason: required/],
      ['/v1/killswitch', { action: 'trip', reason: 'x', flatten: 'yes' }, /^flatten: must be boolean/],
      [
        '/v1/killswitch',
        { action: 'halt', reason: 'x' },
        /^action: must be equal to one of the allowed values/,
      ],
      ['/v1/killswitch', { action: 'resume', reason: 'x', by: 'me' }, /^haltId: required/],
      ['/v1/killswitch', { action: 'resume', reason: 'x', haltId: null }, /^by: required/],
      ['/v1/heartbeat/bot', { extra: [1] }, /^extra: must be object/],
      ['/v1/dlq/abc/resolve', { note: 'x' }, /^id: must match pattern/],
      ['/v1/dlq/1/resolve', { note: '' }, /^note: must NOT have fewer than 1 characters/],
      ['/v1/decisions', { kind: 'Bad Kind', data: 1 }, /^kind: must match pattern/],
      ['/v1/decisions', { kind: 'bot' }, /^data: required/],
    ];
    for (const [url, body, msg] of cases) {
      const r = await post(url, body);
      assert.equal(r.statusCode, 400, `${url} ${JSON.stringify(body)}: ${r.body}`);
      assert.match(r.json<{ error: string }>().error, msg, `${url} ${JSON.stringify(body)}`);
    }
    for (const url of ['/v1/guard?effect=bogus', '/v1/decisions?since=-1', '/v1/dlq?status=nope']) {
      const r = await app.inject({ url });
      assert.equal(r.statusCode, 400, url);
      assert.match(r.json<{ error: string }>().error, /^(effect|since|status): /, url);
    }
    assert.equal(ks.isHalted(), false);
    assert.equal(log.head.seq, 0);
  });

  it('trips and resumes through POST /v1/killswitch; the resume names the halt it clears', async () => {
    let r = await post('/v1/killswitch', { action: 'trip', reason: 'from phone', by: 'ops' });
    assert.equal(r.statusCode, 200, r.body);
    const haltId = r.json<{ event: { id: number } }>().event.id;
    assert.equal((await app.inject({ url: '/v1/guard' })).statusCode, 403);
    const st = (await app.inject({ url: '/v1/killswitch' })).json<{ halted: boolean; eventId: number }>();
    assert.equal(st.halted, true);
    assert.equal(st.eventId, haltId);
    r = await post('/v1/killswitch', { action: 'trip', reason: 'second' });
    const second = r.json<{ event: { id: number } }>().event.id;
    r = await post('/v1/killswitch', { action: 'resume', reason: 'fixed', by: 'ops', haltId });
    assert.equal(r.statusCode, 409, 'a resume that did not see the newer trip is refused');
    assert.equal(ks.isHalted(), true);
    r = await post('/v1/killswitch', { action: 'resume', reason: 'fixed', by: 'ops', haltId: second });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(ks.isHalted(), false);
  });

  it('GET /v1/guard answers from the kill switch: 200 allow, 403 deny, per effect', async () => {
    let r = await app.inject({ url: '/v1/guard' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { allow: true, reason: 'running', halted: false });
    await ks.trip({ reason: 'test', by: 'test' });
    r = await app.inject({ url: '/v1/guard' });
    assert.equal(r.statusCode, 403);
    assert.deepEqual(r.json(), { allow: false, reason: 'halted_deny_new_risk', halted: true });
    r = await app.inject({ url: '/v1/guard?effect=reduce_only' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { allow: true, reason: 'halted_allow_reduce_only', halted: true });
  });

  it('GET /v1/check/:key answers the strategy breaker; /v1/strategies lists the state', async () => {
    let r = await app.inject({ url: '/v1/check/NHL' });
    assert.equal(r.statusCode, 403);
    assert.deepEqual(r.json(), { allow: false, reason: 'circuit_breaker_blocked' });
    r = await app.inject({ url: '/v1/check/NBA' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { allow: true, reason: 'active' });
    r = await app.inject({ url: '/v1/check/MLB' });
    assert.deepEqual(r.json(), { allow: true, reason: 'unknown_fail_open' });
    r = await app.inject({ url: '/v1/strategies' });
    const s = r.json<{ stateKey: string; strategies: Record<string, { status: string; n_30d: number }> }>();
    assert.equal(s.stateKey, 'strategies');
    assert.equal(s.strategies['NHL']!.status, 'blocked');
    assert.equal(s.strategies['NBA']!.n_30d, 50);
  });

  it('DLQ: lists, resolves once (compare-and-set), and refuses a replay without an exchange (501)', async () => {
    const id = await stores.dlq.enqueue({
      idempotencyKey: 'k1',
      clientOrderId: 'c1',
      payload: canonicalPayload({
        idempotencyKey: 'k1',
        symbol: 'BTC/USDT',
        side: 'buy',
        type: 'limit',
        amount: 1,
        price: 100,
      }),
      errors: [],
      attempts: 3,
      errorClass: 'ambiguous',
      reason: 'timeout',
      at: Date.now(),
    });
    let r = await app.inject({ url: '/v1/dlq' });
    assert.deepEqual(
      r.json<{ entries: { id: number; status: string }[] }>().entries.map((e) => [e.id, e.status]),
      [[id, 'open']],
    );
    r = await post(`/v1/dlq/${id}/replay`, {});
    assert.equal(r.statusCode, 501);
    assert.match(r.json<{ error: string }>().error, /replay needs an exchange/);
    r = await post(`/v1/dlq/${id}/resolve`, { note: 'cancelled on the venue by hand' }, {});
    assert.equal(r.statusCode, 401, 'a mutation needs the token');
    r = await post(`/v1/dlq/${id}/resolve`, { note: 'cancelled on the venue by hand' });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json<{ entry: { status: string } }>().entry.status, 'resolved');
    r = await post(`/v1/dlq/${id}/resolve`, { note: 'again' });
    assert.equal(r.statusCode, 409);
    assert.match(r.json<{ error: string }>().error, /already resolved/);
    r = await post('/v1/dlq/999/resolve', { note: 'x' });
    assert.equal(r.statusCode, 404);
  });

  it("replays a DLQ entry through the executor on the daemon's exchange, once", async () => {
    const id = await stores.dlq.enqueue({
      idempotencyKey: 'k2',
      clientOrderId: null,
      payload: canonicalPayload({
        idempotencyKey: 'k2',
        symbol: 'BTC/USDT',
        side: 'buy',
        type: 'limit',
        amount: 1,
        price: 100,
      }),
      errors: [],
      attempts: 3,
      errorClass: 'transient',
      reason: 'venue down',
      at: Date.now(),
    });
    const sim = new ExchangeSimulator({
      markets: [{ symbol: 'BTC/USDT', mid: 100 }],
      balances: { BTC: 1e6, USDT: 1e9 },
    });
    const withExchange = buildHttpApi({
      store,
      killSwitch: ks,
      dataDir: dir,
      token: TOKEN,
      dlq: {
        dlq: new DeadLetterQueue(stores.dlq),
        executorFor: (symbol) =>
          new Executor({
            exchange: new InProcessExchange(sim),
            orders: stores.orders,
            dlq: stores.dlq,
            symbols: [symbol],
            killSwitch: ks,
            readiness: alwaysReady,
          }),
      },
    });
    try {
      const replay = () =>
        withExchange.inject({ method: 'POST', url: `/v1/dlq/${id}/replay`, headers: auth, payload: {} });
      let r = await replay();
      assert.equal(r.statusCode, 200, r.body);
      const body = r.json<{ result: { status: string }; entry: { status: string } }>();
      assert.equal(body.result.status, 'placed');
      assert.equal(body.entry.status, 'replayed');
      r = await replay();
      assert.equal(r.statusCode, 409, 'a replayed entry is not replayed again');
    } finally {
      await withExchange.close();
    }
  });

  it('POST /v1/decisions appends durably; GET ?since= reads back the chain, which verifies', async () => {
    const heads: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await post('/v1/decisions', { kind: 'bot.signal', data: { i }, by: 'bot-1' });
      assert.equal(r.statusCode, 200, r.body);
      heads.push(r.json<{ seq: number }>().seq);
    }
    assert.deepEqual(heads, [1, 2, 3]);
    assert.equal(log.durableHead.seq, 3, 'answered only once durable');
    const r = await app.inject({ url: '/v1/decisions?since=1' });
    const body = r.json<{ head: { seq: number }; decisions: { seq: number; data: { i: number } }[] }>();
    assert.deepEqual(
      body.decisions.map((d) => [d.seq, d.data.i]),
      [
        [2, 1],
        [3, 2],
      ],
    );
    assert.equal(body.head.seq, 3);
    assert.equal(verifyDecisionLog(join(dir, 'decisions')).ok, true);
    assert.equal((await post('/v1/decisions', { kind: 'x', data: 1 }, {})).statusCode, 401);
  });

  it('answers 503 on the decision routes when the daemon has no decision log, saying why', async () => {
    const other = buildHttpApi({
      store,
      killSwitch: ks,
      dataDir: dir,
      token: TOKEN,
      decisions: { unavailable: 'the decision log is held by another process (pid 1)' },
    });
    try {
      const r = await other.inject({
        method: 'POST',
        url: '/v1/decisions',
        headers: auth,
        payload: { kind: 'x', data: 1 },
      });
      assert.equal(r.statusCode, 503);
      assert.match(r.json<{ error: string }>().error, /held by another process/);
    } finally {
      await other.close();
    }
  });

  it('rate-limits bad tokens per address: 429 with Retry-After, even for the right token, until the window ends', async () => {
    const from = (remoteAddress: string, token: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/heartbeat/bot',
        remoteAddress,
        headers: { authorization: `Bearer ${token}` },
        payload: {},
      });
    for (let i = 0; i < 10; i++) assert.equal((await from('10.0.0.9', `guess-${i}`)).statusCode, 401);
    let r = await from('10.0.0.9', 'guess-10');
    assert.equal(r.statusCode, 429);
    assert.equal(r.headers['retry-after'], '60');
    r = await from('10.0.0.9', TOKEN);
    assert.equal(r.statusCode, 429, 'the right token does not help a guesser');
    assert.doesNotMatch(r.body, new RegExp(TOKEN));
    assert.equal((await from('10.0.0.10', TOKEN)).statusCode, 200, 'another address is not limited');
    clock.advance(30_000);
    assert.equal((await from('10.0.0.9', TOKEN)).headers['retry-after'], '30');
    clock.advance(30_001);
    assert.equal((await from('10.0.0.9', TOKEN)).statusCode, 200, 'the window ended');
  });

  it('serves /v1/openapi.json built from the schemas that validate, without the /api aliases', async () => {
    const doc = (await app.inject({ url: '/v1/openapi.json' })).json<{
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: { 'application/json': { schema: { required?: string[] } } } };
            parameters?: { name: string; in: string }[];
            security?: unknown;
          }
        >
      >;
    }>();
    assert.equal(doc.openapi, '3.1.0');
    const paths = Object.keys(doc.paths).sort();
    for (const p of [
      '/healthz',
      '/v1/killswitch',
      '/v1/heartbeat/{name}',
      '/v1/guard',
      '/v1/check/{key}',
      '/v1/strategies',
      '/v1/dlq',
      '/v1/dlq/{id}/replay',
      '/v1/dlq/{id}/resolve',
      '/v1/decisions',
      '/v1/openapi.json',
    ])
      assert.ok(paths.includes(p), `${p} in ${paths.join(' ')}`);
    assert.equal(
      paths.some((p) => p.startsWith('/api/')),
      false,
      'aliases are not documented',
    );
    const post = doc.paths['/v1/killswitch']!['post']!;
    assert.deepEqual(post.requestBody!.content['application/json'].schema.required, ['action', 'reason']);
    assert.ok(post.security, 'mutations declare the bearer token');
    assert.deepEqual(
      doc.paths['/v1/check/{key}']!['get']!.parameters!.map((p) => [p.name, p.in]),
      [['key', 'path']],
    );
    // The document's schema is the validating one: what it says is required is what a request gets 400 for.
    const r = await post_('/v1/killswitch', { reason: 'x' });
    assert.match(r.json<{ error: string }>().error, /^action: required/);
  });
  const post_ = (url: string, payload: unknown) => post(url, payload);

  it('keeps /api/status, /api/trip, /api/resume and /api/heartbeat working as aliases', async () => {
    let r = await post('/api/trip', { reason: 'alias' });
    assert.equal(r.statusCode, 200);
    const haltId = r.json<{ event: { id: number } }>().event.id;
    assert.equal((await app.inject({ url: '/api/status' })).json<{ halted: boolean }>().halted, true);
    r = await post('/api/resume', { reason: 'ok', by: 'me', haltId });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal((await post('/api/heartbeat/bot', { status: 'ok' })).statusCode, 200);
  });
});
