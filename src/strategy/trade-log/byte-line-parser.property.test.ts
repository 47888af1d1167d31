import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DEFAULT_FIELDS } from '../evaluate/evaluation-options.js';
import { parseChunk, type ChunkJob, type ChunkResult } from './chunk-parse.js';
import { parseIsoBytes, parseIsoMs } from './iso-time.js';

const NOW = Date.parse('2026-05-05T03:49:00Z');
const DAY = 86_400_000;

// Values of every shape a field can have, as raw JSON text (some of it not JSON at all).
const isoTs = fc
  .tuple(
    fc.integer({ min: -40 * DAY, max: 2 * DAY }),
    fc.constantFrom('iso', 'offset', 'micro', 'nozone', 'date', 'space', 'bad', 'lower'),
  )
  .map(([t, form]) => {
    const iso = new Date(NOW + t).toISOString();
    switch (form) {
      case 'offset':
        return `"${iso.slice(0, 19)}+02:00"`;
      case 'micro':
        return `"${iso.slice(0, 23)}456-0130"`;
      case 'nozone':
        return `"${iso.slice(0, 16)}"`;
      case 'date':
        return `"${iso.slice(0, 10)}"`;
      case 'space':
        return `"${iso.slice(0, 10)} ${iso.slice(11, 19)}Z"`;
      case 'bad':
        return `"${iso.slice(0, 8)}99T00:00Z"`;
      case 'lower':
        return `"${iso.slice(0, 10)}t${iso.slice(11)}"`.replace('Z', 'z');
      default:
        return `"${iso}"`;
    }
  });
const number = fc.oneof(
  fc.integer({ min: -200, max: 200 }).map(String),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => JSON.stringify(x)),
  // long decimals (16 and 17 digits: the ones a short-decimal shortcut gets wrong)
  fc
    .tuple(fc.integer({ min: -1e6, max: 1e6 }), fc.constantFrom(3, 7, 9, 1000))
    .map(([a, d]) => JSON.stringify(a / d)),
  fc.constantFrom('0', '-0', '01', '1.', '.5', '1e3', '2.5E-2', '-', '1-2', '12345678901234567', '0.1'),
);
const str = fc.oneof(
  fc.constantFrom('"YES"', '"NO"', '""', '"A"', '"NHL"', '"é"', '"日本"', '"a\\"b"', '"\\u0041"', '"x\ty"'),
  fc.string({ maxLength: 6 }).map((x) => JSON.stringify(x)),
);
const scalar = fc.oneof(
  { weight: 3, arbitrary: number },
  { weight: 3, arbitrary: str },
  { weight: 1, arbitrary: fc.constantFrom('null', 'true', 'false', '{}', '[1]', 'nul', 'truex') },
);
const ws = fc.constantFrom('', '', '', ' ', '  ', '\t', '\r');
const keyName = fc.constantFrom(
  '"ts"',
  '"sport"',
  '"resolved"',
  '"pnl_c"',
  '"size"',
  '"entry_price_c"',
  '"note"',
  '"spo\\u0072t"',
  '"sporté"',
);
const field = fc.tuple(keyName, scalar, ws, ws);
/** A trade line as a seed writes it, with values of the right types. */
const plainLine = fc
  .record({
    t: isoTs,
    g: fc.constantFrom('"A"', '"B"', '"NHL"', '"é"', '""', '"A B"'),
    resolved: fc.constantFrom('"YES"', '"NO"', 'null', '1'),
    pnl: number,
    size: fc.oneof(fc.integer({ min: -1, max: 20 }).map(String), number),
    entry: fc.oneof(fc.integer({ min: 1, max: 99 }).map(String), fc.constantFrom('0', '-5', '0.5', '"40"')),
    sep: fc.constantFrom([':', ','], [': ', ', ']),
    drop: fc.integer({ min: -1, max: 12 }),
  })
  .map((r) => {
    const kv: [string, string][] = [
      ['ts', r.t],
      ['sport', r.g],
      ['resolved', r.resolved],
      ['pnl_c', r.pnl],
      ['size', r.size],
      ['entry_price_c', r.entry],
    ];
    if (r.drop >= 0 && r.drop < kv.length) kv.splice(r.drop, 1);
    return `{${kv.map(([k, v]) => `"${k}"${r.sep[0]}${v}`).join(r.sep[1])}}`;
  });
/** Lines of any shape: shuffled and duplicated keys, odd values, spacing, garbage, blank. */
const oddLine = fc.oneof(
  fc
    .tuple(ws, fc.array(field, { maxLength: 8 }), ws)
    .map(
      ([a, fs, z]) => `${a}{${fs.map(([k, v, w1, w2]) => `${w1}${k}${w2}:${w1}${v}${w2}`).join(',')}}${z}`,
    ),
  fc.tuple(plainLine, fc.nat()).map(([l, cut]) => l.slice(0, cut % (l.length + 1))),
  fc.constantFrom('', ' ', '\t', 'garbage', '[]', '"x"', '{"ts":"x"}', '{', '}', 'x'.repeat(90)),
);
const line = fc.oneof({ weight: 5, arbitrary: plainLine }, { weight: 3, arbitrary: oddLine });
// The first 20 lines of a piece go to the exact parser (it collects their field names): the
// generated lines come after 20 plain ones, so the byte parser meets them.
const filler = Array.from(
  { length: 20 },
  (_, i) =>
    `{"ts":"2026-05-01T00:00:0${i % 10}Z","sport":"F","resolved":"YES","pnl_c":1,"size":1,"entry_price_c":50}`,
);
const log = fc.record({
  lines: fc.array(line, { maxLength: 80 }).map((ls) => [...filler, ...ls]),
  crlf: fc.boolean(),
  finalNewline: fc.boolean(),
  maxLineBytes: fc.constantFrom(undefined, 64),
});

/** What a piece's parse produced, with group names in place of ids (the two number them alike). */
function view(r: ChunkResult): unknown {
  const trades: unknown[] = [];
  for (let i = 0; i < r.count; i++) {
    const k = i * 4;
    trades.push([r.groups[r.trades[k] as number], r.trades[k + 1], r.trades[k + 2], r.trades[k + 3]]);
  }
  const { trades: _t, groups: _g, count: _c, exactLines: _e, ...rest } = r;
  return { trades, ...rest };
}

describe('the byte-level parser', () => {
  it('gives exactly what the exact parser gives: trades, counts, bad lines, marks, field names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-bytes-'));
    try {
      const path = join(dir, 'trades.jsonl');
      fc.assert(
        fc.property(log, (l) => {
          const eol = l.crlf ? '\r\n' : '\n';
          const text = l.lines.join(eol) + (l.finalNewline && l.lines.length > 0 ? eol : '');
          writeFileSync(path, text);
          const job: ChunkJob = {
            path,
            start: 0,
            end: Buffer.byteLength(text),
            format: 'jsonl',
            fields: DEFAULT_FIELDS,
            groupBy: 'sport',
            maxTs: NOW + 5 * 60_000,
            cutoff: NOW - 30 * DAY,
            ...(l.maxLineBytes !== undefined ? { maxLineBytes: l.maxLineBytes } : {}),
          };
          assert.deepStrictEqual(view(parseChunk(job)), view(parseChunk({ ...job, readAs: 'text' })));
        }),
        { numRuns: 300 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('calls a control character in the timestamp of an unresolved line malformed, as the exact parser does', () => {
    // found by the property above: the fast path never reads an unresolved line's timestamp
    const dir = mkdtempSync(join(tmpdir(), 'warden-bytes-'));
    try {
      const path = join(dir, 'trades.jsonl');
      // the second is as long as the line before's time (which the fast path tries first)
      const odd = ['{"ts":"x\ty"}', '{"ts":"2026-05-01T00:00:0\tZ"}'];
      const text = `${[...filler, ...odd, '{"ts":"2026-05-01T00:00:00Z"}'].join('\n')}\n`;
      writeFileSync(path, text);
      const job: ChunkJob = {
        path,
        start: 0,
        end: text.length,
        format: 'jsonl',
        fields: DEFAULT_FIELDS,
        groupBy: 'sport',
        maxTs: NOW,
        cutoff: NOW - 30 * DAY,
      };
      const r = parseChunk(job);
      assert.deepEqual(r.issues.counts, { malformed: 2 });
      assert.equal(r.issues.unresolved, 1); // the line after them, which has no control character
      assert.deepStrictEqual(view(r), view(parseChunk({ ...job, readAs: 'text' })));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("tells a key from the last line's that differs from it in one byte, wherever that byte is", () => {
    // the fast path compares a key with the one the line before had in its place, 4 bytes at a time
    const dir = mkdtempSync(join(tmpdir(), 'warden-bytes-'));
    try {
      const path = join(dir, 'trades.jsonl');
      const plain = filler[0] as string;
      const lines = [...filler];
      for (const key of ['ts', 'sport', 'resolved', 'pnl_c', 'size', 'entry_price_c'])
        for (let at = 0; at < key.length; at++) {
          const odd = `${key.slice(0, at)}${key[at] === 'x' ? 'y' : 'x'}${key.slice(at + 1)}`;
          lines.push(plain.replace(`"${key}"`, `"${odd}"`), plain);
        }
      const text = `${lines.join('\n')}\n`;
      writeFileSync(path, text);
      const job: ChunkJob = {
        path,
        start: 0,
        end: text.length,
        format: 'jsonl',
        fields: DEFAULT_FIELDS,
        groupBy: 'sport',
        maxTs: NOW,
        cutoff: NOW - 30 * DAY,
      };
      const r = parseChunk(job);
      assert.equal(r.count, 20 + 37); // the filler, and the plain line after each odd one
      assert.equal(r.issues.unresolved, 8); // an odd `resolved` key: the line has none
      assert.deepStrictEqual(view(r), view(parseChunk({ ...job, readAs: 'text' })));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the plain lines itself (the fast path is taken, not only the fallback)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-bytes-'));
    try {
      const path = join(dir, 'trades.jsonl');
      const lines = Array.from(
        { length: 200 },
        (_, i) =>
          `{"ts":"2026-05-0${1 + (i % 4)}T10:00:00.000Z","sport":"S${i % 3}","resolved":"YES","pnl_c":${i - 100},"size":${1 + (i % 5)},"entry_price_c":40}`,
      );
      // one line the fast path leaves to the exact parser (an escape), one bad line
      lines.push(
        '{"ts":"2026-05-04T10:00:00Z","sport":"S\\u0031","resolved":"NO","pnl_c":-40,"size":1,"entry_price_c":40}',
      );
      lines.push(
        '{"ts":"2026-05-04T10:00:00Z","sport":"S1","resolved":"NO","pnl_c":"x","size":1,"entry_price_c":40}',
      );
      const text = `${lines.join('\n')}\n`;
      writeFileSync(path, text);
      const job: ChunkJob = {
        path,
        start: 0,
        end: text.length,
        format: 'jsonl',
        fields: DEFAULT_FIELDS,
        groupBy: 'sport',
        maxTs: NOW,
        cutoff: NOW - 30 * DAY,
      };
      const r = parseChunk(job);
      assert.equal(r.exactLines, 22); // the first 20 (their field names are collected), the escape, the bad line
      assert.equal(r.count, 201);
      assert.deepEqual(r.groups, ['S0', 'S1', 'S2']);
      assert.deepEqual(r.issues.counts, { non_numeric: 1 });
      assert.equal(r.issues.examples[0]?.line, 202);
      assert.deepStrictEqual(view(r), view(parseChunk({ ...job, readAs: 'text' })));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads timestamps from bytes as parseIsoMs reads them from characters', () => {
    const chars = fc.constantFrom(...'0123456789-:T tZz+.,'.split(''));
    const ts = fc.oneof(
      isoTs.map((s) => s.slice(1, -1)),
      fc.array(chars, { maxLength: 32 }).map((a) => a.join('')),
      fc.tuple(isoTs, fc.nat(), chars).map(([s, at, c]) => {
        const t = s.slice(1, -1);
        const k = at % (t.length + 1);
        return t.slice(0, k) + c + t.slice(k + 1);
      }),
    );
    fc.assert(
      fc.property(ts, (s) => {
        const b = Buffer.from(`"${s}"`, 'latin1');
        assert.ok(Object.is(parseIsoBytes(b, 1, b.length - 1), parseIsoMs(s)), s);
      }),
      { numRuns: 3000 },
    );
  });
});
