import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SqliteStore, type Store } from '../store/index.js';
import { KillSwitch } from '../killswitch/index.js';
import { buildHttpApi } from './http-api.js';
import { digestMatches, tokenDigest, tokenMatches } from './token.js';

describe('HTTP API', () => {
  let dir: string;
  let store: Store;
  let ks: KillSwitch;
  let app: FastifyInstance;
  const auth = { authorization: 'Bearer s3cret-token' };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-http-'));
    store = SqliteStore.open(join(dir, 'warden.db'));
    ks = await KillSwitch.open({ store, dataDir: dir, pollMs: 0, source: 'api' });
    app = buildHttpApi({ store, killSwitch: ks, dataDir: dir, token: 's3cret-token' });
  });
  afterEach(async () => {
    await app.close();
    await ks.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 to every mutating endpoint without a valid token, and changes nothing', async () => {
    for (const url of ['/api/trip', '/api/resume', '/api/heartbeat/bot']) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 's3cret-token' }]) {
        const r = await app.inject({ method: 'POST', url, headers, payload: { reason: 'x', by: 'y' } });
        assert.equal(r.statusCode, 401, `${url} ${JSON.stringify(headers)}`);
        assert.doesNotMatch(r.body, /s3cret/);
      }
    }
    assert.equal(await store.killSwitch.latest(), null);
    assert.deepEqual(await store.heartbeats.list(), []);
  });

  it('trips and resumes with the token; resume needs a reason and a name', async () => {
    let r = await app.inject({
      method: 'POST',
      url: '/api/trip',
      headers: auth,
      payload: { reason: 'from phone' },
    });
    assert.equal(r.statusCode, 200);
    assert.equal(ks.isHalted(), true);
    const haltId = r.json<{ event: { id: number } }>().event.id;
    r = await app.inject({
      method: 'POST',
      url: '/api/resume',
      headers: auth,
      payload: { reason: 'ok', haltId },
    });
    assert.equal(r.statusCode, 400);
    assert.match(r.json<{ error: string }>().error, /^by: required/);
    r = await app.inject({
      method: 'POST',
      url: '/api/resume',
      headers: auth,
      payload: { reason: 'ok', by: 'eve', haltId },
    });
    assert.equal(r.statusCode, 200);
    assert.equal(ks.isHalted(), false);
    const s = await app.inject({ method: 'GET', url: '/api/status' });
    assert.equal(s.json<{ recent: unknown[] }>().recent.length, 2);
  });

  it('takes heartbeats over HTTP and rejects a bad name or extra', async () => {
    let r = await app.inject({
      method: 'POST',
      url: '/api/heartbeat/pybot',
      headers: auth,
      payload: { status: 'ok', extra: { n: 1 } },
    });
    assert.equal(r.statusCode, 200);
    assert.equal((await store.heartbeats.get('pybot'))?.status, 'ok');
    r = await app.inject({ method: 'POST', url: '/api/heartbeat/bad%20name', headers: auth, payload: {} });
    assert.equal(r.statusCode, 400);
    r = await app.inject({
      method: 'POST',
      url: '/api/heartbeat/pybot',
      headers: auth,
      payload: { extra: [1] },
    });
    assert.equal(r.statusCode, 400);
  });

  it('refuses every mutation when no token is configured', async () => {
    const open = buildHttpApi({ store, killSwitch: ks, dataDir: dir, token: undefined });
    const r = await open.inject({
      method: 'POST',
      url: '/api/trip',
      headers: { authorization: 'Bearer ' },
      payload: { reason: 'x' },
    });
    assert.equal(r.statusCode, 401);
    assert.match(r.body, /no API token configured/);
    await open.close();
  });

  it('compares tokens by content only', () => {
    assert.equal(tokenMatches('abc', 'abc'), true);
    assert.equal(tokenMatches('abd', 'abc'), false);
    assert.equal(tokenMatches('ab', 'abc'), false);
    assert.equal(tokenMatches('', ''), false);
    assert.equal(tokenMatches(undefined, 'abc'), false);
    // the digest made once (the AuthGuard's) answers the same
    const d = tokenDigest('abc');
    assert.equal(digestMatches('abc', d), true);
    assert.equal(digestMatches('abd', d), false);
    assert.equal(digestMatches('ab', d), false);
    assert.equal(digestMatches('abcabc', d), false);
    assert.equal(digestMatches(undefined, d), false);
    assert.equal(tokenDigest(''), null);
    assert.equal(digestMatches('', tokenDigest('')), false, 'no token set matches nothing');
  });
});
