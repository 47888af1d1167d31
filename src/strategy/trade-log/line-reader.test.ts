import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLines } from './line-reader.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-lines-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function read(
  text: string,
  maxLine: number,
  start = 0,
): {
  lines: [number, string, number][];
  long: [number, number][];
  tail: [number, number] | null;
  end: ReturnType<typeof readLines>;
} {
  const p = join(dir, 'f');
  writeFileSync(p, text);
  const lines: [number, string, number][] = [];
  const long: [number, number][] = [];
  let tail: [number, number] | null = null;
  const end = readLines(
    p,
    start,
    0,
    (s, a, b, n, offsetOf) => lines.push([n, s.slice(a, b), offsetOf(a)]),
    (off, line) => (tail = [off, line]),
    (n, bytes) => long.push([n, bytes]),
    maxLine,
  );
  return { lines, long, tail, end };
}

describe('readLines', () => {
  it('skips a line longer than the limit, reports its number and size, and reads on', () => {
    const text = `ab\n${'x'.repeat(40)}\ncd\n${'y'.repeat(9)}\né\n`;
    const r = read(text, 8);
    assert.deepEqual(
      r.lines.map(([n, s]) => [n, s]),
      [
        [1, 'ab'],
        [3, 'cd'],
        [5, 'é'],
      ],
    );
    assert.deepEqual(r.long, [
      [2, 40],
      [4, 9],
    ]);
    assert.equal(r.end.endOffset, Buffer.byteLength(text));
    assert.equal(r.end.endLine, 5);
    // byte offsets of the lines, multi-byte characters included
    assert.deepEqual(
      r.lines.map(([, , o]) => o),
      [0, 3 + 41, 3 + 41 + 3 + 10],
    );
  });

  it('reports an unterminated oversized last line after the tail hook, at its start', () => {
    const text = `ab\n${'z'.repeat(30)}`;
    const r = read(text, 8);
    assert.deepEqual(r.tail, [3, 1]);
    assert.deepEqual(r.long, [[2, 30]]);
    assert.equal(r.end.endOffset, 3);
    assert.equal(r.end.tailBytes, 30);
  });

  it('reads lines up to the limit whole, across chunk boundaries', () => {
    const lines = Array.from({ length: 50 }, (_, i) => 'q'.repeat(i % 8));
    const r = read(`${lines.join('\n')}\n`, 8);
    assert.deepEqual(
      r.lines.map(([, s]) => s),
      lines,
    );
    assert.deepEqual(r.long, []);
  });

  it('hands over nothing of an oversized line whose end is the last byte read', () => {
    // the skip ends exactly where the buffer's bytes end: none of its stale bytes is a line
    const r = read(`${'a'.repeat(5)}\n${'x'.repeat(20)}\n`, 8);
    assert.deepEqual(
      r.lines.map(([n, s]) => [n, s]),
      [[1, 'aaaaa']],
    );
    assert.deepEqual(r.long, [[2, 20]]);
    assert.equal(r.end.endLine, 2);
  });
});
