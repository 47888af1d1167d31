import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpaceReserve, isNoSpaceError } from './space-reserve.js';
import { StoreError } from './store-error.js';

describe('SpaceReserve', () => {
  it('preallocates its bytes, releases them once, and is made again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-reserve-'));
    const r = new SpaceReserve(dir, 8192);
    assert.equal(r.present(), false);
    assert.equal(r.ensure(), true);
    assert.equal(statSync(r.path).size, 8192);
    assert.ok(statSync(r.path).blocks * 512 >= 8192, 'real blocks, not a sparse file');
    assert.equal(r.release(), true);
    assert.equal(r.release(), false);
    assert.equal(r.ensure(), true);
    assert.throws(() => new SpaceReserve(dir, 0), /reserve bytes: expected a positive integer, got 0/);
  });

  it('recognises a full disk through error causes', () => {
    assert.equal(isNoSpaceError(Object.assign(new Error('x'), { code: 'ENOSPC' })), true);
    const wrapped = new StoreError('store: full', {
      cause: Object.assign(new Error('y'), { code: 'SQLITE_FULL' }),
    });
    assert.equal(isNoSpaceError(wrapped), true);
    assert.equal(isNoSpaceError(new Error('locked')), false);
  });
});
