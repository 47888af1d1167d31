import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SqliteStore, type Store } from '../store/index.js';
import { KillSwitch } from '../killswitch/index.js';
import { buildHttpApi } from './http-api.js';
import { MAX_JSON_DEPTH, jsonDepth } from './json-body.js';

const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('HTTP API request bodies', () => {
  let dir: string;
  let store: Store;
  let ks: KillSwitch;
  let app: FastifyInstance;
  let exposed: boolean;
  const auth = { authorization: 'Bearer s3cret-token' };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-http-bodies-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
    ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 0, source: 'api' });
    exposed = false;
    app = buildHttpApi({
      store,
      killSwitch: ks,
      dataDir: dir,
      token: 's3cret-token',
      readsNeedToken: () => exposed,
    });
  });
  afterEach(async () => {
    await app.close();
    await ks.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads JSON sent as curl -d sends it (form-urlencoded), as text/plain and with no content type', async () => {
    const cases: [string, Record<string, string>][] = [
      ['curl', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['fetch', { 'content-type': 'text/plain;charset=UTF-8' }],
      ['none', {}],
    ];
    for (const [name, headers] of cases) {
      const r = await app.inject({
        method: 'POST',
        url: `/api/heartbeat/${name}`,
        headers: { ...auth, ...headers },
        payload: JSON.stringify({ status: 'degraded', extra: { via: name } }),
      });
      assert.equal(r.statusCode, 200, `${name}: ${r.body}`);
      const hb = await store.heartbeats.get(name);
      assert.equal(hb?.status, 'degraded');
      assert.deepEqual(hb?.extra, { via: name });
    }
  });

  it('answers 400 to JSON nested too deep, and writes nothing', async () => {
    const deep = `{"status":"ok","extra":${nested(10_000)}}`;
    let r = await app.inject({
      method: 'POST',
      url: '/api/heartbeat/bot',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: deep,
    });
    assert.equal(r.statusCode, 400, r.body);
    assert.match(r.json<{ error: string }>().error, /nested deeper than 32 levels/);
    assert.doesNotMatch(r.body, /store|stack/i);
    r = await app.inject({
      method: 'POST',
      url: '/api/trip',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: `{"reason":"x","by":${'['.repeat(30_000)}${']'.repeat(30_000)}}`,
    });
    assert.equal(r.statusCode, 400);
    assert.equal(ks.isHalted(), false);
    assert.deepEqual(await store.heartbeats.list(), []);
    // The limit itself is accepted.
    r = await app.inject({
      method: 'POST',
      url: '/api/heartbeat/bot',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: `{"extra":${nested(MAX_JSON_DEPTH - 1)}}`,
    });
    assert.equal(r.statusCode, 200, r.body);
  });

  it('answers 400 to a body that is not JSON and 415 to a declared non-JSON type', async () => {
    let r = await app.inject({
      method: 'POST',
      url: '/api/trip',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'reason=halt',
    });
    assert.equal(r.statusCode, 400);
    assert.match(r.json<{ error: string }>().error, /not valid JSON/);
    r = await app.inject({
      method: 'POST',
      url: '/api/trip',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      payload: '{"reason":"x"}',
    });
    assert.equal(r.statusCode, 415);
    assert.equal(ks.isHalted(), false);
  });

  it('keeps refusing prototype poisoning', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/heartbeat/bot',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"extra":{"__proto__":{"polluted":true}}}',
    });
    assert.equal(r.statusCode, 400);
  });

  it('needs the token on every route, reads too, while readsNeedToken() says so', async () => {
    for (const url of ['/healthz', '/api/status']) {
      assert.equal((await app.inject({ url })).statusCode, 200, `${url} is open on loopback`);
    }
    exposed = true;
    for (const url of ['/healthz', '/api/status', '/nope']) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
        const r = await app.inject({ url, headers });
        assert.equal(r.statusCode, 401, `${url} ${JSON.stringify(headers)}`);
      }
    }
    assert.equal((await app.inject({ url: '/api/status', headers: auth })).statusCode, 200);
    const r = await app.inject({ method: 'POST', url: '/api/trip', payload: { reason: 'x' } });
    assert.equal(r.statusCode, 401);
    assert.equal(ks.isHalted(), false);
  });
});

describe('jsonDepth', () => {
  it('counts nesting outside strings only', () => {
    assert.equal(jsonDepth('1', 32), 0);
    assert.equal(jsonDepth('[[{}]]', 32), 3);
    assert.equal(jsonDepth('{"a":"[[[[\\"[[[","b":[1]}', 32), 2);
    assert.equal(jsonDepth('["\\\\",[[]]]', 32), 3);
    assert.equal(jsonDepth('['.repeat(1000), 10), 11, 'stops counting past the limit');
  });
});
