import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import { applyStoreOverride } from '../state/store-override.js';
import { StrategyBreaker } from './strategy-breaker.js';
import type { CheckResult } from './check-decision.js';

const root = mkdtempSync(join(tmpdir(), 'warden-sb-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => SqliteStore.open(join(root, `s${n++}`, 'warden.db'));
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const block = (store: SqliteStore, action: 'block' | 'unblock' = 'block') =>
  applyStoreOverride({
    repo: store.strategyState,
    stateKey: 'strategies',
    key: 'nba',
    action,
    reason: 'test',
    by: 'tester',
    now: Date.now(),
  });

describe('StrategyBreaker reading the store (fleet mode)', () => {
  it('fails open as state_missing until something is stored, then follows each version on reload()', async () => {
    const store = fresh();
    const b = new StrategyBreaker({
      statePath: '',
      reloadIntervalMs: 0,
      source: { repo: store.strategyState },
    });
    try {
      await b.ready();
      assert.equal(b.check('nba').reason, 'state_missing_fail_open');
      assert.equal(b.version, 0);
      assert.equal((await b.document()).status, 'missing');
      const w = await block(store);
      assert.ok(w.ok);
      b.reload();
      await wait(50);
      assert.deepEqual({ ...b.check('nba') }, { allow: false, reason: 'circuit_breaker_blocked' });
      assert.equal(b.version, w.version);
      const d = await b.document();
      assert.equal(d.status, 'ok');
      assert.equal(d.status === 'ok' && d.where, `the store (version ${w.version})`);
      assert.deepEqual(d.status === 'ok' && d.doc, (await store.strategyState.get('strategies'))?.doc);
      await block(store, 'unblock');
      b.reload();
      await wait(50);
      assert.equal(b.check('nba').allow, true);
    } finally {
      b.close();
      await store.close();
    }
  });

  it('fails open with store_unconfirmed_fail_open, and says so once, when no read succeeds within the lease', async () => {
    const store = fresh();
    await block(store);
    const errors: unknown[] = [];
    const b = new StrategyBreaker({
      statePath: '',
      reloadIntervalMs: 50,
      source: { repo: store.strategyState, leaseMs: 300, onError: (e) => errors.push(e) },
    });
    const told: CheckResult[] = [];
    b.onFailOpen((r) => told.push(r));
    try {
      await b.ready();
      assert.equal(b.check('nba').allow, false, 'blocked while the store confirms it');
      await store.close(); // every read now rejects
      await wait(150);
      assert.equal(b.check('nba').allow, false, 'still inside the lease: the last confirmed answer');
      await wait(400);
      assert.deepEqual({ ...b.check('nba') }, { allow: true, reason: 'store_unconfirmed_fail_open' });
      const d = await b.document();
      assert.equal(d.status, 'unreadable', 'the readers do not show a state the store no longer confirms');
      assert.match(d.status === 'unreadable' ? d.error : '', /store_unconfirmed_fail_open/);
      assert.deepEqual(
        told.map((r) => r.reason),
        ['store_unconfirmed_fail_open'],
      );
      assert.ok(errors.length > 0, 'the failed reads were reported');
    } finally {
      b.close();
    }
  });
});
