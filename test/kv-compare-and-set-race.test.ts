// Processes racing kv compare-and-sets on the same keys, on a real SQLite file and on the real
// PostgreSQL server: each key is written by exactly one racer per round, and every racer is told
// the value that won (what the watchdogs of a fleet rely on for first-expected times).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore, type Store } from '../src/store/index.js';
import { spawnJsonChild } from './helpers/json-lines-child.js';
import { createTestSchema, openFleetStore } from './helpers/pg-test-schema.js';

const RACERS = 4;
const KEYS = 300;
const dir = mkdtempSync(join(tmpdir(), 'warden-kv-race-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function race(args: string[], store: Store, label: string): Promise<void> {
  const go = join(dir, `go-${label}`);
  const tags = Array.from({ length: RACERS }, (_, i) => `r${i}`);
  const kids = tags.map((t) => spawnJsonChild('kv-racer.ts', [...args, go, t, String(KEYS)]));
  try {
    await Promise.all(kids.map((k) => k.waitFor('ready', (l) => l['ready'] === true, 60_000)));
    writeFileSync(go, '');
    const firsts = await Promise.all(kids.map((k) => k.waitFor('first', (l) => 'first' in l, 60_000)));
    writeFileSync(`${go}2`, '');
    const seconds = await Promise.all(kids.map((k) => k.waitFor('second', (l) => 'second' in l, 60_000)));
    const told = (round: 'first' | 'second', i: number, key: string) =>
      ((round === 'first' ? firsts : seconds)[i]![round] as Record<string, string | null>)[key];
    const keys = Array.from({ length: KEYS }, (_, i) => `race:${i}`);
    const stored = await store.kv.getMany(keys);
    for (const key of keys) {
      const firstWinner = told('first', 0, key)!;
      assert.ok(tags.includes(firstWinner), `${key}: ${firstWinner}`);
      for (let i = 0; i < RACERS; i++) {
        assert.equal(
          told('first', i, key),
          firstWinner,
          `${label} ${key}: racer ${i} was told another winner`,
        );
        assert.equal(told('second', i, key), stored.get(key), `${label} ${key}: racer ${i}, second round`);
      }
      // The second round swapped from the first round's winner: exactly one `<tag>2` is stored.
      assert.match(stored.get(key)!, /^r\d2$/);
    }
  } finally {
    await Promise.all(kids.map((k) => k.kill('SIGKILL')));
  }
}

describe('kv compare-and-set, processes racing', () => {
  it(`${RACERS} processes on one SQLite file`, async () => {
    const path = join(dir, 'warden.db');
    const store = SqliteStore.open(path);
    try {
      await race(['sqlite', path, '-'], store, 'sqlite');
    } finally {
      await store.close();
    }
  });

  it(`${RACERS} processes on one PostgreSQL schema`, async () => {
    const db = await createTestSchema();
    const store = await openFleetStore(db.url, db.schema);
    try {
      await race(['postgres', db.url, db.schema], store, 'postgres');
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
