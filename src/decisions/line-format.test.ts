import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GENESIS_HASH, checkLine, formatLine, isProblem, parseStrict } from './line-format.js';

function check(line: string) {
  const buf = Buffer.from(line.endsWith('\n') ? line.slice(0, -1) : line);
  return checkLine(buf, 0, buf.length);
}

describe('line format', () => {
  it('hashes the canonical record without its hash, and puts hash last', () => {
    const f = formatLine(
      { kind: 'gate', data: { allow: false, b: 2, a: 1 }, by: 'bot' },
      GENESIS_HASH,
      1,
      1700000000000,
    );
    const body = `{"by":"bot","data":{"a":1,"allow":false,"b":2},"kind":"gate","prev":"${GENESIS_HASH}","seq":1,"ts":1700000000000`;
    const expected = createHash('sha256').update(`${body}}`).digest('hex');
    assert.equal(f.hash, expected);
    assert.equal(f.line, `${body},"hash":"${expected}"}\n`);
  });

  it('reads the chain fields back without parsing the JSON', () => {
    const f = formatLine({ kind: 'bot', data: { note: ',"ts":5,"hash":"x' } }, 'a'.repeat(64), 42, -5);
    const r = check(f.line);
    assert.ok(!isProblem(r), JSON.stringify(r));
    assert.equal(r.seq, 42);
    assert.equal(r.ts, -5);
    assert.equal(r.hash, f.hash);
  });

  it('reports an edited line as a hash mismatch and a mangled one as malformed', () => {
    const f = formatLine({ kind: 'gate', data: { allow: false } }, GENESIS_HASH, 1, 1);
    const edited = check(f.line.replace('false', 'true '));
    assert.ok(isProblem(edited) && edited.code === 'hash_mismatch');
    for (const bad of [
      '',
      'garbage',
      f.line.slice(0, 40),
      f.line.replace('"seq":1', '"seq":x'),
      `[${f.line.slice(1)}`,
    ]) {
      const r = check(bad);
      assert.ok(isProblem(r) && r.code === 'malformed', `${JSON.stringify(bad)} → ${JSON.stringify(r)}`);
    }
  });

  it('refuses a bad kind, by or ts before anything is hashed', () => {
    assert.throws(() => formatLine({ kind: 'Gate', data: 1 }, GENESIS_HASH, 1, 1), /kind/);
    assert.throws(() => formatLine({ kind: 'a b', data: 1 }, GENESIS_HASH, 1, 1), /kind/);
    assert.throws(
      () => formatLine({ kind: 'x', data: 1, by: 3 as unknown as string }, GENESIS_HASH, 1, 1),
      /by/,
    );
    assert.throws(() => formatLine({ kind: 'x', data: 1 }, GENESIS_HASH, 1, 1.5), /ts/);
  });

  it('strict parsing accepts exactly the canonical form', () => {
    const f = formatLine({ kind: 'mode', data: { from: 'FULL', to: 'REDUCE_ONLY' } }, GENESIS_HASH, 1, 7);
    assert.ok(!isProblem(parseStrict(f.line.slice(0, -1))));
    const spaced = parseStrict(f.line.slice(0, -1).replace('{"from"', '{ "from"'));
    assert.ok(isProblem(spaced) && spaced.code === 'not_canonical');
    const extra = parseStrict(f.line.slice(0, -1).replace('{"data"', '{"zzz":1,"data"'));
    assert.ok(isProblem(extra) && extra.code === 'malformed');
  });
});
