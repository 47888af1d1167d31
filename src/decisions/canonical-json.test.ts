import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from './canonical-json.js';
import { DecisionRecordError } from './decision-record-error.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }),
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('orders keys by code point, not by UTF-16 code unit', () => {
    // U+FF61 is one code unit above the surrogates; U+1F600 is a surrogate pair: code point order puts it last.
    assert.equal(canonicalJson({ '\u{1F600}': 1, '\uff61': 2, a: 3 }), '{"a":3,"\uff61":2,"\u{1F600}":1}');
  });

  it('writes numbers as JSON.stringify does (shortest round trip, -0 as 0)', () => {
    assert.equal(
      canonicalJson([1, -0, 0.1, 1e21, 1e-7, 123.456, 2 ** 53]),
      '[1,0,0.1,1e+21,1e-7,123.456,9007199254740992]',
    );
  });

  it('leaves out undefined members and calls toJSON', () => {
    assert.equal(canonicalJson({ a: undefined, t: new Date(0) }), '{"t":"1970-01-01T00:00:00.000Z"}');
  });

  it('refuses what JSON cannot hold, naming where it is', () => {
    assert.throws(
      () => canonicalJson({ x: [1, NaN] }),
      (e: unknown) => {
        assert.ok(e instanceof DecisionRecordError);
        assert.equal(e.code, 'E_DECISION_RECORD');
        assert.match(e.message, /data\.x\[1\]: NaN/);
        return true;
      },
    );
    assert.throws(() => canonicalJson({ f: () => 1 }), /data\.f: a function is not JSON/);
    assert.throws(() => canonicalJson({ n: 1n }), /a bigint is not JSON/);
    assert.throws(() => canonicalJson([undefined]), /data\[0\]: a undefined is not JSON/);
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    assert.throws(() => canonicalJson(cyc), /a cycle\?/);
  });

  it('escapes strings exactly like JSON.stringify', () => {
    const s = 'q"\\\n\t\u0001\u2028é\ud800';
    assert.equal(canonicalJson(s), JSON.stringify(s));
  });
});

describe('canonicalJson fast and slow paths', () => {
  it('agrees with the plain string writer on sorted, unsorted, integer-keyed and nested input', () => {
    const cases: unknown[] = [
      { b: { d: 1, c: [{ z: 1, a: 2 }, 3] }, a: 'x' },
      { a: 1, b: 2 },
      { 10: 'a', 9: 'b', x: 1 },
      { '': 1, ' ': 2, A: 3, a: 4 },
      [{ y: 1, x: 2 }, [{ q: 1, p: 2 }], 'é', null, true, 0.5],
      { t: new Date(5), arr: [new Date(6)] },
      { __proto__: null, k: 1 },
    ];
    const expected = [
      '{"a":"x","b":{"c":[{"a":2,"z":1},3],"d":1}}',
      '{"a":1,"b":2}',
      '{"10":"a","9":"b","x":1}',
      '{"":1," ":2,"A":3,"a":4}',
      '[{"x":2,"y":1},[{"p":2,"q":1}],"é",null,true,0.5]',
      '{"arr":["1970-01-01T00:00:00.006Z"],"t":"1970-01-01T00:00:00.005Z"}',
      '{"k":1}',
    ];
    cases.forEach((c, i) => assert.equal(canonicalJson(c), expected[i]));
  });

  it('never changes the caller’s object', () => {
    const v = { b: 1, a: { d: 2, c: 3 } };
    canonicalJson(v);
    assert.deepEqual(Object.keys(v), ['b', 'a']);
    assert.deepEqual(Object.keys(v.a), ['d', 'c']);
  });
});
