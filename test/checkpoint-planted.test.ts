// Files planted in a checkpoint directory by someone else (or left by a tool): a name at the
// largest safe integer whose header is garbage or names another checkpoint, a FIFO with no
// writer, a FIFO with a writer waiting, a symlink to a valid checkpoint elsewhere. A real bot
// process restarts on that directory: it must not hang, must not open any of them, must
// report each one, and its later saves must be the newest, across another restart.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStore } from '../src/checkpoint/index.js';
import { encodeCheckpoint } from '../src/checkpoint/format.js';

const LOADER = join(import.meta.dirname, 'helpers', 'checkpoint-loader.ts');
const MAX = Number.MAX_SAFE_INTEGER;
const name = (seq: number): string => `checkpoint-${String(seq).padStart(12, '0')}.ckpt`;

interface View {
  seq: number;
  state: unknown;
  skipped: [number, string, string][];
}
interface LoaderOutput {
  before: View | null;
  saved: number[];
  after: View | null;
  reported: [number, string][];
  nextSeq: number;
}

/** Runs the loader as its own process; fails (and kills it) if it has not finished in `ms`. */
function runLoader(dir: string, states: string[], ms = 30_000): Promise<LoaderOutput> {
  const child = spawn(process.execPath, ['--import', 'tsx', LOADER, dir, ...states], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`loadLatest hung: no answer in ${ms} ms (stderr: ${err})`));
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`loader exited ${code}: ${err}`));
      else resolve(JSON.parse(out) as LoaderOutput);
    });
  });
}

const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

describe('checkpoint directory with planted entries', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-ckpt-planted-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'warden-ckpt-elsewhere-'));
  let writer: ChildProcess | undefined;
  after(() => {
    if (writer && !exited(writer)) writer.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('never hangs nor opens them, reports each, and later saves stay the newest', async () => {
    const store = CheckpointStore.open(dir);
    store.save('a');
    const second = store.save('b');
    // A name at the largest safe integer with a garbage header, one just below it whose header is
    // a real checkpoint's (seq 2), a FIFO nobody writes to, a FIFO a writer waits on, a symlink.
    writeFileSync(join(dir, name(MAX)), 'not a checkpoint\n');
    writeFileSync(join(dir, name(MAX - 1)), readFileSync(second.file));
    assert.equal(spawnSync('mkfifo', [join(dir, name(500))]).status, 0, 'mkfifo');
    assert.equal(spawnSync('mkfifo', [join(dir, name(400))]).status, 0, 'mkfifo');
    // The writer's open() blocks until a reader opens the FIFO: if it exits, someone opened it.
    writer = spawn('sh', ['-c', `printf 'x\\n' > '${join(dir, name(400))}'`], { stdio: 'ignore' });
    const foreign = encodeCheckpoint('foreign', 300, 1);
    writeFileSync(join(elsewhere, name(300)), Buffer.concat([foreign.head, foreign.payload]));
    symlinkSync(join(elsewhere, name(300)), join(dir, name(300)));

    const first = await runLoader(dir, ['c', 'd']);
    const planted = [
      [MAX, 'header'],
      [MAX - 1, 'name'],
      [500, 'special'],
      [400, 'special'],
      [300, 'special'],
    ];
    assert.equal(first.before?.seq, 2);
    assert.equal(first.before?.state, 'b');
    assert.deepEqual(
      first.before?.skipped.map(([s, k]) => [s, k]),
      planted,
    );
    assert.match(first.before!.skipped[1]![2], /header says seq 2 but the file name says 9007199254740990/);
    assert.match(first.before!.skipped[2]![2], /fifo/);
    assert.match(first.before!.skipped[4]![2], /symlink/);
    assert.deepEqual(first.saved, [3, 4], 'the sequence continues after the newest verified checkpoint');
    assert.equal(first.after?.seq, 4);
    assert.equal(first.after?.state, 'd', 'the later save is the newest');
    assert.deepEqual(first.reported, [...planted, ...planted], 'each skip reaches onSkip, each load');

    await new Promise((r) => setTimeout(r, 500));
    assert.equal(exited(writer), false, 'the FIFO with a waiting writer was never opened');

    const restart = await runLoader(dir, ['e']);
    assert.equal(restart.before?.state, 'd');
    assert.deepEqual(restart.saved, [5]);
    assert.equal(restart.after?.state, 'e');
    assert.equal(restart.nextSeq, 6);
    assert.equal(exited(writer), false, 'still never opened after a restart');
  });
});
