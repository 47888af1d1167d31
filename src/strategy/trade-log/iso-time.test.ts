import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseIsoBytes, parseIsoMs } from './iso-time.js';
import { parseNumber } from './number-parse.js';

describe('parseIsoMs', () => {
  it('reads every zone form to the same instant', () => {
    const want = Date.parse('2026-05-05T03:49:12.345Z');
    for (const s of [
      '2026-05-05T03:49:12.345Z',
      '2026-05-05T03:49:12.345z',
      '2026-05-05T05:49:12.345+02:00',
      '2026-05-05T05:49:12.345+0200',
      '2026-05-04T22:49:12.345-05',
      '2026-05-05T09:19:12.345+05:30',
      '2026-05-05 03:49:12.345',
      '2026-05-05T03:49:12.345',
      '2026-05-05T03:49:12.345678+00:00',
      '2026-05-05T03:49:12,345Z',
    ]) {
      assert.equal(parseIsoMs(s), want, s);
    }
    assert.equal(parseIsoMs('2026-05-05'), Date.parse('2026-05-05T00:00:00Z'));
    assert.equal(parseIsoMs('2024-02-29T00:00Z'), Date.parse('2024-02-29T00:00:00Z'));
    assert.equal(parseIsoMs('1969-12-31T23:59:59Z'), -1000);
  });

  it('rejects what is not a time', () => {
    for (const s of [
      '',
      'yesterday',
      '2026-13-01',
      '2026-02-29',
      '2026-04-31T00:00Z',
      '2026-01-01T24:00Z',
      '2026-01-01T12:60Z',
      '2026-01-01T12:00:60Z',
      '2026-01-01T12:00Zjunk',
      '2026-01-01T12:00+2',
      '2026-01-01T12:00+24:00',
      '2026-01-01T12:00:00.Z',
      '2026/01/01',
      '1714000000',
    ]) {
      assert.ok(Number.isNaN(parseIsoMs(s)), s);
    }
  });
});

describe('parseNumber', () => {
  it('matches Number() on decimals, exponents and long mantissas', () => {
    for (const s of [
      '0',
      '-0',
      '12',
      '-12.5',
      '0.1',
      '0.3',
      '123456789012345',
      '1234567890123456789',
      '1e3',
      '-2.5E-3',
      '99.99',
      '.5',
    ]) {
      const at = 2;
      const padded = `xx${s}yy`;
      assert.ok(Object.is(parseNumber(padded, at, at + s.length), Number(s)), s);
    }
  });

  it('returns NaN for what is not a number', () => {
    for (const s of ['', '-', 'abc', '1-2', '1.2.3', 'NaN', 'Infinity', '0x10', '1e']) {
      assert.ok(Number.isNaN(parseNumber(s, 0, s.length)), s);
    }
  });
});

describe('parseIsoBytes', () => {
  it('gives what parseIsoMs gives, line after line in the same minute or not (its minute cache)', () => {
    const base = '2026-05-05T03:49:12.345Z';
    // one character of a time in the same minute or the next changed to anything: the minute
    // cache must never answer for bytes it did not read
    const variant = fc
      .record({
        minute: fc.constantFrom('03:49', '03:50', '13:49', '23:59'),
        day: fc.constantFrom('2026-05-05', '2026-02-29', '2024-02-29', '2026-12-31'),
        at: fc.integer({ min: 0, max: 23 }),
        ch: fc.constantFrom('0', '5', '6', '9', ':', '.', 'Z', 'z', '+', ' ', 'T', 'x', '\u00e9'),
        change: fc.boolean(),
      })
      .map(({ minute, day, at, ch, change }) => {
        const s = `${day}T${minute}${base.slice(16)}`;
        return change ? s.slice(0, at) + ch + s.slice(at + 1) : s;
      });
    fc.assert(
      fc.property(fc.array(variant, { minLength: 1, maxLength: 30 }), (times) => {
        for (const t of times) {
          const b = Buffer.from(`"${t}"`, 'utf8');
          const want = parseIsoMs(t);
          const got = parseIsoBytes(b, 1, b.length - 1);
          assert.ok(
            Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)),
            `${t}: ${got} vs ${want}`,
          );
        }
      }),
      { numRuns: 400 },
    );
  });
});
