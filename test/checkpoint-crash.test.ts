// kill -9 a process that saves ~1 MB checkpoints in a loop, at random moments, several times
// over the same directory: each time the newest checkpoint loads, whole and self-consistent,
// and the sequence keeps increasing across the restarts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { CheckpointStore } from '../src/checkpoint/index.js';

const WRITER = join(import.meta.dirname, 'helpers', 'checkpoint-writer.ts');

interface WriterState {
  seq: number;
  bodySha: string;
  body: { pid: number; i: number; pad: string };
}

/** Starts the writer, waits until it is in its loop, lets it run `ms`, then SIGKILLs it. */
async function runAndKill(dir: string, ms: number): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`writer exited early (${code}): ${err}`)));
  });
  await new Promise((r) => setTimeout(r, ms));
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  const [code, signal] = (await exited) as [number | null, string | null];
  assert.equal(signal, 'SIGKILL', `writer died on its own (${code}): ${err}`);
}

describe('checkpoints under kill -9', () => {
  it('always leave a valid, self-consistent newest checkpoint', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-ckpt-crash-'));
    try {
      let lastSeq = 0;
      let killedMidSave = 0;
      const rounds = 12;
      for (let round = 0; round < rounds; round++) {
        // The first round runs long enough to save at least once; later ones may die before saving.
        const ms = round === 0 ? 300 : Math.floor(Math.random() * 250);
        await runAndKill(dir, ms);
        if (readdirSync(dir).some((f) => f.endsWith('.tmp'))) killedMidSave++;
        const store = CheckpointStore.open(dir);
        assert.deepEqual(
          readdirSync(dir).filter((f) => f.endsWith('.tmp')),
          [],
          'stray temp files are removed on open',
        );
        const loaded = store.loadLatest();
        assert.ok(loaded, `round ${round}: no valid checkpoint in ${readdirSync(dir).join(', ')}`);
        assert.deepEqual(loaded.skipped, [], 'kill -9 never leaves a torn checkpoint file');
        const { checkpoint } = loaded;
        const state = checkpoint.state as WriterState;
        assert.equal(state.seq, checkpoint.seq, 'the state is the one saved under this sequence number');
        assert.equal(createHash('sha256').update(JSON.stringify(state.body)).digest('hex'), state.bodySha);
        assert.ok(checkpoint.length > 1_000_000, `payload is ~1 MB (${checkpoint.length})`);
        assert.ok(checkpoint.seq >= lastSeq, `sequence went back from ${lastSeq} to ${checkpoint.seq}`);
        assert.ok(store.nextSeq > checkpoint.seq);
        lastSeq = checkpoint.seq;
      }
      t.diagnostic(`${rounds} kills, ${killedMidSave} with a temp file left (mid-save), last seq ${lastSeq}`);
      assert.ok(lastSeq > rounds, `the writers saved more than once per round (last seq ${lastSeq})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
