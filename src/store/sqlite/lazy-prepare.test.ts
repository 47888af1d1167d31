import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from './sqlite-store.js';
import { StoreError } from '../store-error.js';
import { sqliteNativeBinding } from './native-binding.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'warden-lazy-prepare-'));

/** Counts every db.prepare of better-sqlite3 while `fn` runs (its own wrapper, restored after). */
async function countingPrepares<T>(fn: (count: () => number) => Promise<T>): Promise<T> {
  const proto = Database.prototype as { prepare: (sql: string) => unknown };
  const original = proto.prepare;
  let n = 0;
  proto.prepare = function (this: unknown, sql: string) {
    n++;
    return original.call(this, sql);
  };
  try {
    return await fn(() => n);
  } finally {
    proto.prepare = original;
  }
}

describe('SqliteStore prepares lazily', () => {
  it('opening prepares none of the repos’ statements; a repo call prepares its own, once', async () => {
    const path = join(tmp(), 'warden.db');
    await SqliteStore.open(path).close(); // migrations applied: a reopen runs none
    await countingPrepares(async (count) => {
      const store = SqliteStore.open(path, { mustExist: true });
      try {
        const atOpen = count();
        assert.ok(atOpen <= 3, `open prepared ${atOpen} statements (the repos hold ~80)`);
        assert.equal(await store.killSwitch.latest(), null);
        const afterRead = count();
        assert.equal(afterRead, atOpen + 1, 'the read prepared its one statement');
        assert.equal(await store.killSwitch.latest(), null);
        assert.equal(count(), afterRead, 'and kept it');
      } finally {
        await store.close();
      }
    });
  });

  it('a statement that cannot be prepared fails its call as a StoreError, not the open', async () => {
    const path = join(tmp(), 'warden.db');
    await SqliteStore.open(path).close();
    const store = SqliteStore.open(path);
    try {
      store.database.exec('DROP TABLE heartbeats');
      await assert.rejects(store.heartbeats.list(), StoreError);
      assert.equal(await store.killSwitch.latest(), null, 'the other repos still answer');
    } finally {
      await store.close();
    }
  });
});

describe('better-sqlite3 native addon path', () => {
  it('is found in better-sqlite3’s own package directory, where its default loader finds it', () => {
    const path = sqliteNativeBinding();
    assert.ok(path !== undefined && existsSync(path), `found ${path}`);
    assert.match(path, /better-sqlite3[\\/]build[\\/](Debug[\\/]|Release[\\/])?better_sqlite3\.node$/);
    const db = new Database(':memory:', { nativeBinding: path });
    assert.equal(db.prepare('SELECT 1 AS x').get()?.constructor, Object);
    db.close();
  });
});
