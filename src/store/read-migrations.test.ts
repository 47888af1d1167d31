// The migration list is read at every store open; the files' text only when a migration runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMigrations } from './read-migrations.js';

describe('readMigrations', () => {
  it('lists the numbered files in order and reads each one only when its sql is first asked for', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-migrations-'));
    writeFileSync(join(dir, '002_b.sql'), 'SELECT 2;');
    writeFileSync(join(dir, '001_a.sql'), 'SELECT 1;');
    writeFileSync(join(dir, 'notes.txt'), 'not a migration');
    const ms = readMigrations(dir);
    assert.deepEqual(
      ms.map((m) => [m.version, m.name]),
      [
        [1, '001_a.sql'],
        [2, '002_b.sql'],
      ],
    );
    writeFileSync(join(dir, '001_a.sql'), 'SELECT 10;'); // after the listing, before the read
    assert.equal(ms[0]!.sql, 'SELECT 10;');
    writeFileSync(join(dir, '001_a.sql'), 'SELECT 100;');
    assert.equal(ms[0]!.sql, 'SELECT 10;', 'read once');
    assert.equal(ms[1]!.sql, 'SELECT 2;');
  });
});
