// `warden log append` / `verify` / `head` as real processes, and the Python verifier of
// docs/decisions.md run with python3 on a log written by Warden.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, warden, workspace } from './helpers/cli.js';
import { DecisionLog, listSegments } from '../src/decisions/index.js';

const ws = workspace({ decisions: { rotateBytes: 2000 } });
const logDir = join(ws.dataDir, 'decisions');
after(() => rmSync(ws.dir, { recursive: true, force: true }));

function pythonVerifier(): string {
  const doc = readFileSync(join(ROOT, 'docs', 'decisions.md'), 'utf8');
  const m = /<!-- python-verifier -->\n```python\n([\s\S]*?)```\n<!-- \/python-verifier -->/.exec(doc);
  assert.ok(m, 'docs/decisions.md holds the marked Python verifier');
  const file = join(ws.dir, 'verify_decisions.py');
  writeFileSync(file, m[1]!);
  return file;
}

function python(args: string[]) {
  return spawnSync('python3', args, { encoding: 'utf8' });
}

describe('warden log', () => {
  let head = '';
  before(async () => {
    for (let i = 0; i < 3; i++) {
      const r = await warden([
        'log',
        'append',
        'bot',
        '--data',
        JSON.stringify({ i, px: 61234.5, note: 'é"\n' }),
        '--by',
        'py-bot',
        ...ws.args,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^${i + 1} [0-9a-f]{64}\\n$`));
    }
    // A library writer adds many more, so the log spans several files.
    const log = DecisionLog.open({ dir: logDir, rotateBytes: 2000 });
    for (let i = 0; i < 40; i++)
      log.append({
        kind: 'gate',
        by: 'gate',
        data: {
          allow: i % 3 !== 0,
          intent: { symbol: 'BTC/USDT', amount: 0.001 * i, price: 1e-7 * i },
          layers: [{ layer: 'killswitch', verdict: 'allow' }],
        },
      });
    await log.close();
    const r = await warden(['log', 'append', 'state', '--data', '-', '--json', ...ws.args], {
      input: '{"from":"running","to":"halted"}',
    });
    assert.equal(r.code, 0, r.stderr);
    const h = JSON.parse(r.stdout) as { seq: number; hash: string };
    assert.equal(h.seq, 44);
    head = `${h.seq}:${h.hash}`;
  });

  it('verify exits 0 on the log as written and prints the head', async () => {
    assert.ok(listSegments(logDir).length > 2);
    const r = await warden(['log', 'verify', ...ws.args]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^ok: 44 lines in \\d+ files, head seq 44 hash ${head.split(':')[1]}\\n$`),
    );
    const anchored = await warden(['log', 'verify', '--head', head, '--strict', ...ws.args]);
    assert.equal(anchored.code, 0, anchored.stderr);
    const h = await warden(['log', 'head', ...ws.args]);
    assert.equal(h.stdout.trim(), head.replace(':', ' '));
  });

  it('verify exits 1 naming FILE:LINE of the first bad line', async () => {
    const copy = join(ws.dir, 'tampered');
    cpSync(logDir, copy, { recursive: true });
    const seg = listSegments(copy)[1]!;
    const lines = readFileSync(seg.path, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"allow":true', '"allow":false');
    writeFileSync(seg.path, lines.join('\n'));
    const r = await warden(['log', 'verify', copy]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      new RegExp(`^warden: ${seg.path}:2: hash does not match .* \\[hash_mismatch\\]\\n$`),
    );
    const json = await warden(['log', 'verify', copy, '--json']);
    assert.equal(json.code, 1);
    assert.deepEqual(
      (({ ok, code, line }) => ({ ok, code, line }))(
        JSON.parse(json.stdout) as { ok: boolean; code: string; line: number },
      ),
      { ok: false, code: 'hash_mismatch', line: 2 },
    );
  });

  it('verify against an anchored head catches a rewritten log', async () => {
    const forged = join(ws.dir, 'forged');
    const log = DecisionLog.open({ dir: forged });
    for (let i = 0; i < 44; i++) log.append({ kind: 'bot', data: { i } });
    await log.close();
    assert.equal((await warden(['log', 'verify', forged])).code, 0);
    const r = await warden(['log', 'verify', forged, '--head', head]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /:44: seq 44 has hash .* the log was rewritten \[head_mismatch\]/);
    const bad = await warden(['log', 'verify', forged, '--head', '44:nothex']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--head: expected SEQ:HASH/);
  });

  it('append is refused with the owner named while another process holds the log', async () => {
    const holder = DecisionLog.open({ dir: logDir });
    try {
      const r = await warden(['log', 'append', 'bot', '--data', '{}', ...ws.args]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        new RegExp(`^warden: decision log is held by pid ${process.pid} on .*only one process may append`),
      );
    } finally {
      await holder.close();
    }
    const bad = await warden(['log', 'append', 'Bad Kind', ...ws.args]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^warden: decision kind: "Bad Kind" is not a kind/);
    const badJson = await warden(['log', 'append', 'bot', '--data', '{nope', ...ws.args]);
    assert.match(badJson.stderr, /^warden: --data: not valid JSON/);
  });

  it('the Python verifier in docs/decisions.md accepts the log and names the bad line of a tampered one', () => {
    const py = pythonVerifier();
    const ok = python([py, logDir, head]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), `ok: head seq 44 hash ${head.split(':')[1]}`);
    const tampered = join(ws.dir, 'tampered');
    const r = python([py, tampered]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /decisions-\d{16}\.jsonl:2: hash does not match the line \(edited\)/);
    const swapped = join(ws.dir, 'swapped');
    cpSync(logDir, swapped, { recursive: true });
    const seg = listSegments(swapped)[0]!.path;
    const ls = readFileSync(seg, 'utf8').split('\n');
    [ls[0], ls[1]] = [ls[1]!, ls[0]!];
    writeFileSync(seg, ls.join('\n'));
    assert.match(python([py, swapped]).stderr, /:1: first seq 2 does not match the file name/);
    const forged = python([py, join(ws.dir, 'forged'), head]);
    assert.equal(forged.status, 1);
    assert.match(forged.stderr, /:44: seq 44 differs from the anchored head/);
  });
});
