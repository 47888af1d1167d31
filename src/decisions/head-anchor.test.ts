import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteStore } from '../store/index.js';
import { anchorHead, readAnchoredHead } from './head-anchor.js';

const h = (seq: number, c = 'a') => ({ seq, hash: c.repeat(64) });

describe('anchorHead', () => {
  it('never moves the store’s head back (a log cut short or started afresh cannot erase the longer chain)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-anchor-'));
    const store = SqliteStore.open(join(dir, 'warden.db'));
    try {
      assert.equal(await anchorHead(store.kv, h(5), 1), true);
      assert.equal(await anchorHead(store.kv, h(3, 'b'), 2), false, 'a lower seq');
      assert.equal(await anchorHead(store.kv, h(5, 'c'), 3), false, 'the same seq with another hash');
      assert.deepEqual(await readAnchoredHead(store.kv), { ...h(5), at: 1 });
      assert.equal(await anchorHead(store.kv, h(6, 'd'), 4), true);
      assert.deepEqual(await readAnchoredHead(store.kv), { ...h(6, 'd'), at: 4 });
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
