import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { storeContract } from '../store-contract.js';
import { SqliteStore } from './sqlite-store.js';
import { StoreError } from '../store-error.js';
import { migrate, readMigrations } from './migrate.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'warden-sqlite-'));

storeContract(
  'sqlite',
  () => Promise.resolve(SqliteStore.open(join(tmp(), 'warden.db'))),
  (s) => Promise.resolve(SqliteStore.open(s.location)),
);

describe('SqliteStore', () => {
  it('sets WAL and FULL on the first open and on every reopen', async () => {
    const path = join(tmp(), 'w.db');
    for (let i = 0; i < 2; i++) {
      const s = SqliteStore.open(path);
      assert.equal(s.database.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(s.database.pragma('synchronous', { simple: true }), 2, 'synchronous=FULL');
      await s.close();
    }
  });

  it('applies migrations once even when opened again', async () => {
    const path = join(tmp(), 'w.db');
    await SqliteStore.open(path).close();
    const s = SqliteStore.open(path);
    const n = s.database.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number };
    assert.ok(n.n >= 1);
    await s.killSwitch.append({
      action: 'trip',
      at: 1,
      reason: 'x',
      by: 'y',
      source: 'z',
      host: 'h',
      pid: 1,
      flatten: true,
    });
    await s.close();
    const again = SqliteStore.open(path);
    assert.equal((await again.killSwitch.latest())?.flatten, true);
    await again.close();
  });

  it('says clearly when another process holds the file locked', async () => {
    const path = join(tmp(), 'w.db');
    const s = SqliteStore.open(path, { busyTimeoutMs: 50 });
    const other = new Database(path);
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN EXCLUSIVE');
    await assert.rejects(
      s.killSwitch.append({
        action: 'trip',
        at: 1,
        reason: 'x',
        by: 'y',
        source: 'z',
        host: 'h',
        pid: 1,
        flatten: false,
      }),
      (err: unknown) => err instanceof StoreError && /locked by another process/.test(err.message),
    );
    other.exec('ROLLBACK');
    other.close();
    await s.close();
  });

  it('gives heartbeats from before the received time the earlier of their stamp and now', async () => {
    const path = join(tmp(), 'old.db');
    const old = new Database(path);
    migrate(
      old,
      readMigrations().filter((m) => m.version < 5),
    );
    const ahead = Date.now() + 86_400_000;
    const ins = old.prepare(
      "INSERT INTO heartbeats (name, at, kind, status, last_ok_at, extra) VALUES (?, ?, 'beat', 'ok', ?, '{}')",
    );
    ins.run('future', ahead, ahead);
    ins.run('past', 1000, 1000);
    old.close();
    const s = SqliteStore.open(path);
    const future = await s.heartbeats.get('future');
    assert.ok(
      future && Math.abs(future.receivedAt - Date.now()) < 5000,
      'a stamp ahead is not fresh for a day',
    );
    assert.equal(future.lastOkReceivedAt, future.receivedAt);
    assert.equal((await s.heartbeats.get('past'))?.receivedAt, 1000);
    await s.close();
  });

  it('names the file when it is not a store', () => {
    const path = join(tmp(), 'junk.db');
    writeFileSync(path, 'this is not sqlite at all, just text that is long enough to be a header'.repeat(20));
    assert.throws(
      () => SqliteStore.open(path),
      (err: unknown) =>
        err instanceof StoreError && err.message.includes(path) && /not a valid store/.test(err.message),
    );
  });
});
