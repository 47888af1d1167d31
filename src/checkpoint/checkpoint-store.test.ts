import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { checksum, decodeCheckpoint } from './format.js';
import { CheckpointCorruptError } from './checkpoint-corrupt-error.js';
import { ManualClock } from '../util/clock.js';
import { CheckpointStore } from './checkpoint-store.js';
import { CheckpointStateError } from './checkpoint-state-error.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-ckpt-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const files = (): string[] => readdirSync(dir).sort();
const pathOf = (seq: number): string => join(dir, `checkpoint-${String(seq).padStart(12, '0')}.ckpt`);

/** Splits a checkpoint file into its header object and payload bytes. */
function split(file: string): { header: Record<string, unknown>; payload: Buffer } {
  const bytes = readFileSync(file);
  const nl = bytes.indexOf(0x0a);
  return {
    header: JSON.parse(bytes.toString('utf8', 0, nl)) as Record<string, unknown>,
    payload: bytes.subarray(nl + 1),
  };
}
function join2(header: Record<string, unknown>, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(JSON.stringify(header) + '\n'), payload]);
}

describe('CheckpointStore', () => {
  it('round-trips a state with its header fields', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const store = CheckpointStore.open(dir, { clock });
    const state = { positions: { BTC: { size: 0.5, entry: 61234.5 } }, orders: ['a', 'b'], note: 'é✓' };
    const saved = store.save(state);
    assert.equal(saved.seq, 1);
    assert.equal(saved.savedAt, 1_700_000_000_000);
    assert.equal(saved.file, pathOf(1));
    const loaded = store.loadLatest();
    assert.ok(loaded);
    assert.deepEqual(loaded.skipped, []);
    assert.deepEqual(loaded.checkpoint.state, state);
    assert.equal(loaded.checkpoint.seq, 1);
    assert.equal(loaded.checkpoint.sha256, saved.sha256);
    assert.equal(loaded.checkpoint.length, Buffer.byteLength(JSON.stringify(state)));
    assert.equal(
      loaded.checkpoint.sha256,
      checksum(1, 1_700_000_000_000, Buffer.from(JSON.stringify(state))),
    );
  });

  it('returns null for an empty directory', () => {
    assert.equal(CheckpointStore.open(dir).loadLatest(), null);
  });

  it('increments the sequence and continues it after a reopen', () => {
    const a = CheckpointStore.open(dir);
    assert.deepEqual([a.save(1).seq, a.save(2).seq, a.save(3).seq], [1, 2, 3]);
    const b = CheckpointStore.open(dir);
    assert.equal(b.loadLatest()?.checkpoint.state, 3);
    assert.equal(b.save(4).seq, 4);
    assert.equal(CheckpointStore.open(dir).loadLatest()?.checkpoint.seq, 4);
  });

  it('continues the sequence after the newest verified checkpoint, stepping over taken names', () => {
    const a = CheckpointStore.open(dir);
    a.save('x');
    writeFileSync(pathOf(2), 'garbage');
    writeFileSync(pathOf(41), 'garbage');
    const b = CheckpointStore.open(dir);
    assert.equal(b.nextSeq, 3, 'a damaged file does not move the sequence; its own name is stepped over');
    assert.equal(b.save('y').seq, 3);
    assert.equal(readFileSync(pathOf(2), 'utf8'), 'garbage', 'the damaged file was not replaced');
  });

  for (const [what, content] of [
    ['garbage', () => 'garbage\n'],
    ['a header that names another seq', () => readFileSync(pathOf(1))],
  ] as const) {
    it(`is not frozen by a planted max-safe-integer name holding ${what}`, () => {
      const a = CheckpointStore.open(dir, { keep: 1 });
      a.save('first');
      const planted = pathOf(Number.MAX_SAFE_INTEGER);
      writeFileSync(planted, content());
      const b = CheckpointStore.open(dir, { keep: 1 });
      assert.equal(b.nextSeq, 2);
      const saved = [b.save('second'), b.save('third')];
      assert.deepEqual(
        saved.map((s) => s.seq),
        [2, 3],
      );
      const r = CheckpointStore.open(dir, { keep: 1 }).loadLatest();
      assert.equal(r?.checkpoint.state, 'third', 'later saves are the newest');
      assert.deepEqual(
        r?.skipped.map((s) => [s.seq, s.kind]),
        [[Number.MAX_SAFE_INTEGER, what === 'garbage' ? 'header' : 'name']],
      );
      assert.ok(existsSync(planted), 'the planted file is left for the operator, not pruned');
      assert.ok(existsSync(saved[1]!.file), 'pruning never deletes the newest save');
    });
  }

  it('refuses to save past a verified checkpoint at the largest safe sequence number', () => {
    const seq = Number.MAX_SAFE_INTEGER;
    const payload = Buffer.from('"forged"');
    const head = { format: 'warden-checkpoint', version: 1, seq, savedAt: 1, length: payload.length };
    writeFileSync(pathOf(seq), join2({ ...head, sha256: checksum(seq, 1, payload) }, payload));
    const store = CheckpointStore.open(dir);
    assert.equal(store.loadLatest()?.checkpoint.seq, seq);
    assert.throws(() => store.save('next'), { code: 'E_CHECKPOINT_SEQUENCE' });
    assert.deepEqual(files(), [`checkpoint-${seq}.ckpt`], 'nothing written');
  });

  it('steps over a directory that holds the next name instead of failing every save', () => {
    const store = CheckpointStore.open(dir);
    store.save('one');
    mkdirSync(pathOf(2));
    assert.equal(store.save('two').seq, 3);
    assert.equal(CheckpointStore.open(dir).loadLatest()?.checkpoint.state, 'two');
  });

  it('skips a symlink named like a checkpoint without following it, even to a valid one', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'warden-ckpt-other-'));
    try {
      const other = CheckpointStore.open(elsewhere);
      other.save('a');
      const target = other.save('foreign').file;
      const store = CheckpointStore.open(dir);
      store.save('mine');
      symlinkSync(target, pathOf(2));
      const r = CheckpointStore.open(dir).loadLatest();
      assert.equal(r?.checkpoint.state, 'mine');
      assert.deepEqual(
        r?.skipped.map((s) => [s.seq, s.kind]),
        [[2, 'special']],
      );
      assert.match(r!.skipped[0]!.reason, /symlink/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('ignores names that are not in the canonical form', () => {
    const store = CheckpointStore.open(dir);
    store.save('real');
    writeFileSync(join(dir, 'checkpoint-0000000000099.ckpt'), 'thirteen digits');
    writeFileSync(join(dir, 'checkpoint-99999999999999999999.ckpt'), 'not a safe integer');
    const again = CheckpointStore.open(dir);
    assert.equal(again.nextSeq, 2);
    assert.deepEqual(again.loadLatest()?.skipped, []);
    assert.equal(again.loadLatest()?.checkpoint.state, 'real');
  });

  it('keeps the last N and deletes older ones', () => {
    const store = CheckpointStore.open(dir, { keep: 3 });
    for (let i = 1; i <= 7; i++) store.save({ i });
    assert.deepEqual(
      files(),
      [5, 6, 7].map((s) => `checkpoint-${String(s).padStart(12, '0')}.ckpt`),
    );
    assert.deepEqual(store.loadLatest()?.checkpoint.state, { i: 7 });
  });

  it('prunes on top of what a previous run left', () => {
    const a = CheckpointStore.open(dir, { keep: 5 });
    for (let i = 1; i <= 5; i++) a.save(i);
    const b = CheckpointStore.open(dir, { keep: 2 });
    b.save(6);
    assert.equal(files().length, 2);
    assert.equal(b.loadLatest()?.checkpoint.state, 6);
  });

  it("removes a dead writer's temp files on open, leaves a live one's, ignores unrelated files", () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited, so its pid is free
    writeFileSync(join(dir, `.checkpoint-000000000003.ckpt.${dead}.tmp`), 'half a write');
    writeFileSync(join(dir, `.checkpoint-000000000004.ckpt.${process.pid}.tmp`), 'stale, our pid');
    const live = `.checkpoint-000000000005.ckpt.${process.ppid}.tmp`;
    writeFileSync(join(dir, live), 'in flight elsewhere');
    writeFileSync(join(dir, 'README'), 'not mine');
    CheckpointStore.open(dir);
    assert.deepEqual(files(), [live, 'README']);
  });

  it('creates the directory when it does not exist', () => {
    const store = CheckpointStore.open(join(dir, 'a', 'b'));
    store.save({ ok: true });
    assert.deepEqual(store.loadLatest()?.checkpoint.state, { ok: true });
  });

  it('rejects a state JSON cannot hold, without spending a sequence number', () => {
    const store = CheckpointStore.open(dir);
    assert.throws(() => store.save(undefined), CheckpointStateError);
    assert.throws(() => store.save({ n: 1n }), { code: 'E_CHECKPOINT_STATE' });
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    assert.throws(() => store.save(cyc), CheckpointStateError);
    assert.equal(store.save(1).seq, 1);
    assert.deepEqual(files().length, 1);
  });

  it('floors a fractional clock and refuses a clock that returns NaN', () => {
    const clock = new ManualClock(1000.7);
    const store = CheckpointStore.open(dir, { clock });
    assert.equal(store.save('a').savedAt, 1000);
    clock.set(Number.NaN);
    assert.throws(() => store.save('b'), /clock returned NaN/);
    assert.equal(store.loadLatest()?.checkpoint.state, 'a');
  });

  it('validates its options', () => {
    assert.throws(() => CheckpointStore.open(dir, { keep: 0 }), /keep.*0/);
    assert.throws(() => CheckpointStore.open(dir, { keep: 1.5 }), RangeError);
    assert.throws(() => CheckpointStore.open(dir, { keep: Number.NaN }), /keep.*NaN/);
  });

  describe('skips a bad newest checkpoint and loads the previous one', () => {
    const cases: [string, string, (file: string) => void][] = [
      ['truncated file', 'truncated', (f) => writeFileSync(f, readFileSync(f).subarray(0, 500))],
      [
        'flipped payload byte',
        'checksum',
        (f) => {
          const b = readFileSync(f);
          b.writeUInt8(b.readUInt8(b.length - 10) ^ 0x01, b.length - 10);
          writeFileSync(f, b);
        },
      ],
      [
        'tampered payload with recomputed length but the old checksum',
        'checksum',
        (f) => {
          const { header, payload } = split(f);
          const forged = Buffer.from(payload.toString().replace('"v":2', '"v":999'));
          writeFileSync(f, join2({ ...header, length: forged.length }, forged));
        },
      ],
      ['garbage header', 'header', (f) => writeFileSync(f, 'hello world\n{"v":2}')],
      ['binary garbage, no newline', 'header', (f) => writeFileSync(f, Buffer.alloc(4096, 0xff))],
      ['empty file', 'empty', (f) => writeFileSync(f, '')],
      [
        'wrong version',
        'version',
        (f) => {
          const { header, payload } = split(f);
          writeFileSync(f, join2({ ...header, version: 2 }, payload));
        },
      ],
      [
        'trailing bytes after the payload',
        'length',
        (f) => writeFileSync(f, Buffer.concat([readFileSync(f), Buffer.from('xx')])),
      ],
      [
        'payload not JSON but with a matching checksum',
        'json',
        (f) => {
          const { header } = split(f);
          const p = Buffer.from('{not json');
          writeFileSync(
            f,
            join2(
              {
                ...header,
                length: p.length,
                sha256: checksum(header.seq as number, header.savedAt as number, p),
              },
              p,
            ),
          );
        },
      ],
      [
        'header seq that disagrees with the file name',
        'name',
        (f) => {
          const { header, payload } = split(f);
          writeFileSync(f, join2({ ...header, seq: 7 }, payload));
        },
      ],
    ];
    for (const [name, kind, corrupt] of cases) {
      it(name, () => {
        const store = CheckpointStore.open(dir);
        store.save({ v: 1, pad: 'p'.repeat(1000) });
        const bad = store.save({ v: 2, pad: 'p'.repeat(1000) });
        corrupt(bad.file);
        const seen: string[] = [];
        store.onSkip((s) => seen.push(s.kind));
        const loaded = CheckpointStore.open(dir).loadLatest();
        const again = store.loadLatest();
        assert.ok(loaded && again);
        assert.deepEqual(loaded.checkpoint.state, { v: 1, pad: 'p'.repeat(1000) });
        assert.equal(loaded.checkpoint.seq, 1);
        assert.equal(loaded.skipped.length, 1);
        assert.equal(loaded.skipped[0]!.file, bad.file);
        assert.equal(loaded.skipped[0]!.seq, 2);
        assert.equal(loaded.skipped[0]!.kind, kind, loaded.skipped[0]!.reason);
        assert.ok(loaded.skipped[0]!.reason.length > 0);
        assert.deepEqual(seen, [kind]);
      });
    }
  });

  it('returns null when every checkpoint is corrupt, reporting every skip', () => {
    const store = CheckpointStore.open(dir);
    for (let i = 0; i < 3; i++) store.save({ i });
    for (const f of files()) writeFileSync(join(dir, f), 'junk');
    const seen: number[] = [];
    const sub = store.onSkip((s) => seen.push(s.seq));
    assert.equal(store.loadLatest(), null);
    assert.deepEqual(seen, [3, 2, 1]);
    sub.dispose();
    assert.equal(store.loadLatest(), null);
    assert.deepEqual(seen, [3, 2, 1]);
    assert.equal(store.save('fresh').seq, 4);
  });

  it('reports a directory with a checkpoint name as special and moves on', () => {
    const store = CheckpointStore.open(dir);
    store.save('good');
    mkdirSync(pathOf(2));
    writeFileSync(pathOf(3), '');
    const r = store.loadLatest();
    assert.equal(r?.checkpoint.state, 'good');
    assert.deepEqual(
      r?.skipped.map((s) => s.kind),
      ['empty', 'special'],
    );
  });
});

describe('checkpoint header', () => {
  it('catches a changed savedAt even though the payload is intact', () => {
    const store = CheckpointStore.open(dir, { clock: new ManualClock(1_700_000_000_000) });
    store.save('old');
    const bad = store.save('new');
    const { header, payload } = split(bad.file);
    writeFileSync(bad.file, join2({ ...header, savedAt: 1_700_000_000_001 }, payload));
    const r = store.loadLatest();
    assert.equal(r?.checkpoint.state, 'old');
    assert.equal(r?.skipped[0]?.kind, 'checksum');
  });
});

describe('decodeCheckpoint', () => {
  it('verifies the bytes of a file as loadLatest does, throwing a classified error', () => {
    const store = CheckpointStore.open(dir);
    const saved = store.save({ a: [1, 2, 3] });
    const bytes = readFileSync(saved.file);
    assert.deepEqual(decodeCheckpoint(bytes, saved.seq).state, { a: [1, 2, 3] });
    assert.throws(
      () => decodeCheckpoint(bytes.subarray(0, bytes.length - 1)),
      (e: unknown) =>
        e instanceof CheckpointCorruptError && e.code === 'E_CHECKPOINT_CORRUPT' && e.kind === 'truncated',
    );
    assert.throws(() => decodeCheckpoint(bytes, saved.seq + 1), { kind: 'name' });
  });
});
