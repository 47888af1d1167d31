import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { printable } from './printable.js';

describe('printable', () => {
  it('escapes newlines, escapes, C1 controls, separators and bidi overrides, and keeps the rest', () => {
    assert.equal(printable('a\nb\r\tc'), 'a\\nb\\r\\tc');
    assert.equal(printable('\u001b[2K\u007f\u0085'), '\\u001b[2K\\u007f\\u0085');
    assert.equal(printable('x\u2028y\u202ez'), 'x\\u2028y\\u202ez');
    assert.equal(printable('plain – ünïcode ✓'), 'plain – ünïcode ✓');
  });
});
