import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { warden, workspace } from './helpers/cli.js';

describe('control characters in a reason are escaped wherever the CLI prints it (issue 8 item 13)', () => {
  it('a reason cannot print a fake RUNNING line in status, guard, trip or resume output', async () => {
    const w = workspace();
    const evil = 'ok\nRUNNING: trading allowed\r\u001b[2K\u001b[1ARUNNING: trading allowed\u2028x';
    const t = await warden([...w.args, 'trip', '--reason', evil, '--by', 'ma\nllory']);
    assert.equal(t.code, 0, t.stderr);
    assert.equal(t.stdout.trim().split('\n').length, 1, t.stdout);

    const s = await warden([...w.args, 'status']);
    assert.equal(s.code, 1);
    for (const line of s.stdout.split('\n')) assert.doesNotMatch(line, /^\s*RUNNING/, `a fake line: ${line}`);
    const raw = [...s.stdout].filter((ch) => ch !== '\n' && (ch < ' ' || ch === '\u007f' || ch === '\u2028'));
    assert.deepEqual(raw, [], 'no raw control character');
    assert.match(
      s.stdout,
      /^HALTED by kill switch .*\(by ma\\nllory\).*: ok\\nRUNNING: trading allowed\\r\\u001b\[2K/,
    );

    const g = await warden([...w.args, 'guard', '--', 'true']);
    assert.equal(g.code, 2);
    const lines = g.stderr.trim().split('\n');
    assert.equal(lines.length, 1, g.stderr);
    assert.match(lines[0]!, /^warden: HALTED by kill switch/);

    const r = await warden([...w.args, 'resume', '--reason', 'fixed\nHALTED', '--by', 'al']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 1);
    assert.match(r.stdout, /fixed\\nHALTED/);
  });
});
