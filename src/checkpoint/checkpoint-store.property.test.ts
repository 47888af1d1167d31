// Property: whatever sequence of saves, reopens and corruptions of checkpoint files (truncation,
// a flipped byte anywhere, trailing bytes, replacement by random bytes, an emptied file),
// loadLatest() returns the newest uncorrupted checkpoint still on disk, and reports exactly the
// newer corrupt ones as skipped, newest first; null when none is left. Each save gets a number
// above every uncorrupted checkpoint and no existing file's, becomes the newest good one, and
// leaves at most `keep` files at or below its number.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CheckpointStore } from './checkpoint-store.js';

type Corruption =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'replace'; bytes: Uint8Array }
  | { kind: 'empty' };

type Op =
  { op: 'save'; value: unknown } | { op: 'reopen' } | { op: 'corrupt'; pick: number; how: Corruption };

const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('replace' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('empty' as const) }),
);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('save' as const), value: fc.jsonValue() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reopen' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('corrupt' as const), pick: fc.nat(), how: corruption }),
  },
);

/** Applies `how` to `file`; returns whether the file now differs from the bytes saved. */
function corrupt(file: string, how: Corruption, original: Buffer): boolean {
  const b = readFileSync(file);
  if (b.length === 0 && (how.kind === 'truncate' || how.kind === 'flip')) return !b.equals(original);
  let out: Buffer;
  switch (how.kind) {
    case 'truncate':
      out = b.subarray(0, how.at % b.length);
      break;
    case 'flip':
      out = Buffer.from(b);
      out.writeUInt8(out.readUInt8(how.at % b.length) ^ how.xor, how.at % b.length);
      break;
    case 'append':
      out = Buffer.concat([b, how.bytes]);
      break;
    case 'replace':
      out = Buffer.from(how.bytes);
      break;
    case 'empty':
      out = Buffer.alloc(0);
      break;
    default:
      return how satisfies never;
  }
  writeFileSync(file, out);
  return !out.equals(original); // a second flip of the same byte restores the checkpoint
}

const NAME = /^checkpoint-(\d+)\.ckpt$/;
/** Sequence numbers of the checkpoint files on disk. */
function onDisk(dir: string): Set<number> {
  return new Set(
    readdirSync(dir)
      .map((n) => NAME.exec(n)?.[1])
      .filter((m): m is string => m !== undefined)
      .map(Number),
  );
}

describe('CheckpointStore (property)', () => {
  it('loadLatest returns the newest uncorrupted checkpoint after any saves and corruptions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 25 }), (keep, ops) => {
        const dir = mkdtempSync(join(tmpdir(), 'warden-ckpt-prop-'));
        try {
          let store = CheckpointStore.open(dir, { keep });
          // The model: what each file on disk holds and whether it is spoiled, by sequence number.
          const disk = new Map<number, { file: string; value: unknown; bytes: Buffer; bad: boolean }>();
          const newestGood = (): number =>
            Math.max(0, ...[...disk].filter(([, d]) => !d.bad).map(([s]) => s));
          for (const o of ops) {
            let justSaved: number | undefined;
            if (o.op === 'save') {
              const before = onDisk(dir);
              const good = newestGood();
              const saved = store.save(o.value);
              assert.ok(saved.seq > good, `seq ${saved.seq} is above every verified checkpoint (${good})`);
              assert.ok(!before.has(saved.seq), `seq ${saved.seq} did not replace an existing file`);
              justSaved = saved.seq;
              disk.set(saved.seq, {
                file: saved.file,
                value: o.value,
                bytes: readFileSync(saved.file),
                bad: false,
              });
            } else if (o.op === 'reopen') {
              store = CheckpointStore.open(dir, { keep });
              assert.ok(
                store.nextSeq > newestGood(),
                'sequence continues after the newest verified checkpoint',
              );
            } else if (disk.size > 0) {
              const seqs = [...disk.keys()].sort((a, b) => a - b);
              const target = disk.get(seqs[o.pick % seqs.length]!)!;
              target.bad = corrupt(target.file, o.how, target.bytes);
            }
            const present = onDisk(dir);
            for (const seq of disk.keys()) if (!present.has(seq)) disk.delete(seq);
            assert.deepEqual([...present].sort(), [...disk.keys()].sort(), 'only the store deletes files');
            if (justSaved !== undefined) {
              const upTo = [...present].filter((s) => s <= justSaved);
              assert.ok(upTo.length <= keep, `pruned to ${keep}: ${upTo.join(',')}`);
            }
            const result = store.loadLatest();
            const good = newestGood();
            if (justSaved !== undefined)
              assert.equal(good, justSaved, 'a save is the newest good checkpoint');
            const expectSkipped = [...disk]
              .filter(([s, d]) => d.bad && s > good)
              .map(([s]) => s)
              .sort((a, b) => b - a);
            if (good === 0) {
              assert.equal(result, null);
            } else {
              assert.ok(result);
              assert.equal(result.checkpoint.seq, good);
              // JSON round trip: -0 becomes 0, which is what a reader of this checkpoint gets.
              assert.deepEqual(result.checkpoint.state, JSON.parse(JSON.stringify(disk.get(good)!.value)));
              assert.deepEqual(
                result.skipped.map((s) => s.seq),
                expectSkipped,
              );
            }
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: Number(process.env.CHECKPOINT_PROPERTY_RUNS ?? 150) },
    );
  });
});
