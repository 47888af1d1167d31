import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalJson } from './canonical-json.js';

/** An obviously correct (slow) reference: keys compared as arrays of code points. */
function reference(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const cp = (s: string) => Array.from(s, (c) => c.codePointAt(0)!);
    const keys = Object.keys(v).sort((a, b) => {
      const x = cp(a);
      const y = cp(b);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return x.length - y.length;
    });
    return `{${keys.map((k) => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

describe('canonicalJson (property)', () => {
  it('matches the reference on any JSON value, and the same data in any key order gives the same text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalJson(v);
        assert.equal(text, reference(v));
        const shuffled = JSON.parse(JSON.stringify(v), (_k, x: unknown) =>
          x !== null && typeof x === 'object' && !Array.isArray(x)
            ? Object.fromEntries(Object.entries(x).reverse())
            : x,
        ) as unknown;
        assert.equal(canonicalJson(shuffled), text);
      }),
      { numRuns: 500 },
    );
  });
});
