import { describe, it, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../util/clock.js';
import { AutoCheckpointer, type CheckpointSaver } from './auto-checkpointer.js';
import { CheckpointStore, type SavedCheckpoint } from './checkpoint-store.js';
import { CheckpointerClosedError } from './checkpointer-closed-error.js';

/** A store that records what it is asked to save and can be told to fail. */
class FakeSaver implements CheckpointSaver {
  saves: unknown[] = [];
  fail: Error | null = null;
  save(state: unknown): SavedCheckpoint {
    if (this.fail) throw this.fail;
    this.saves.push(structuredClone(state));
    const seq = this.saves.length;
    return { seq, savedAt: 0, file: `f${seq}`, length: 0, sha256: '' };
  }
}

describe('AutoCheckpointer', () => {
  let clock: ManualClock;
  let saver: FakeSaver;
  let state: { n: number };
  const make = (intervalMs = 1000): AutoCheckpointer =>
    new AutoCheckpointer({ store: saver, getState: () => state, intervalMs, clock });

  beforeEach(() => {
    mock.timers.enable({ apis: ['setInterval', 'setImmediate'] });
    clock = new ManualClock(0);
    saver = new FakeSaver();
    state = { n: 0 };
  });
  afterEach(() => {
    mock.timers.reset();
  });

  /** Moves both the mocked timers and the clock. */
  const advance = (ms: number): void => {
    clock.advance(ms);
    mock.timers.tick(ms);
  };

  it('coalesces several changes in one tick into one save of the latest state', () => {
    const auto = make();
    state.n = 1;
    auto.markDirty();
    state.n = 2;
    auto.markDirty();
    state.n = 3;
    auto.markDirty();
    assert.equal(saver.saves.length, 0);
    assert.equal(auto.dirty, true);
    mock.timers.tick(0);
    assert.deepEqual(saver.saves, [{ n: 3 }]);
    assert.equal(auto.dirty, false);
    auto.markDirty();
    mock.timers.tick(0);
    assert.equal(saver.saves.length, 2);
    auto.close();
  });

  it('saves on the interval, even without markDirty', () => {
    const auto = make(1000);
    advance(1000);
    advance(1000);
    assert.equal(saver.saves.length, 2);
    auto.close();
    assert.equal(saver.saves.length, 2, 'close saves only when dirty');
  });

  it('skips an interval save that comes right after an on-demand one', () => {
    const auto = make(1000);
    advance(900);
    auto.checkpointNow();
    advance(100); // tick at 1000, 100 ms after the save
    assert.equal(saver.saves.length, 1);
    advance(1000);
    assert.equal(saver.saves.length, 2);
    auto.close();
  });

  it('checkpointNow saves at once, returns the checkpoint and cancels the pending save', () => {
    const auto = make();
    auto.markDirty();
    const saved = auto.checkpointNow();
    assert.equal(saved.seq, 1);
    assert.equal(auto.lastSaved, saved);
    mock.timers.tick(0);
    assert.equal(saver.saves.length, 1);
    auto.close();
  });

  it('close flushes an unsaved change, stops the timers and is idempotent', () => {
    const auto = make(1000);
    state.n = 7;
    auto.markDirty();
    auto.close();
    assert.deepEqual(saver.saves, [{ n: 7 }]);
    advance(5000);
    auto.markDirty();
    mock.timers.tick(0);
    auto.close();
    assert.equal(saver.saves.length, 1);
    assert.throws(() => auto.checkpointNow(), CheckpointerClosedError);
  });

  it('reports background errors to onError, never throws from a timer, and retries', () => {
    const auto = make(1000);
    const errors: unknown[] = [];
    auto.onError((e) => errors.push(e));
    saver.fail = new Error('disk full');
    auto.markDirty();
    mock.timers.tick(0);
    advance(1000);
    assert.equal(errors.length, 2);
    assert.equal(auto.dirty, true);
    saver.fail = null;
    advance(1000);
    assert.equal(saver.saves.length, 1);
    assert.equal(auto.dirty, false);
    auto.close();
  });

  it('reports a throwing getState like a failed save', () => {
    const errors: unknown[] = [];
    const auto = new AutoCheckpointer({
      store: saver,
      getState: () => {
        throw new Error('state is mid-update');
      },
      intervalMs: 1000,
      clock,
    });
    auto.onError((e) => errors.push(e));
    auto.markDirty();
    mock.timers.tick(0);
    assert.match(String(errors[0]), /mid-update/);
    assert.equal(saver.saves.length, 0);
    assert.equal(auto.dirty, true);
  });

  it('saves again when getState itself records a change', () => {
    let calls = 0;
    const auto = new AutoCheckpointer({
      store: saver,
      getState: () => {
        if (calls++ === 0) auto.markDirty(); // e.g. a getter that compacts the state
        return { calls };
      },
      intervalMs: 1000,
      clock,
    });
    auto.markDirty();
    mock.timers.tick(0);
    mock.timers.tick(0);
    assert.deepEqual(saver.saves, [{ calls: 1 }, { calls: 2 }]);
    assert.equal(auto.dirty, false);
    auto.close();
  });

  it('close throws when the final save fails', () => {
    const auto = make();
    auto.markDirty();
    saver.fail = new Error('EIO');
    assert.throws(() => auto.close(), /EIO/);
  });

  it('emits a process warning when a background save fails and nobody listens', () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    const emit = mock.method(process, 'emitWarning', (w: string | Error) =>
      onWarning(typeof w === 'string' ? new Error(w) : w),
    );
    try {
      const auto = make();
      saver.fail = new Error('EROFS');
      auto.markDirty();
      mock.timers.tick(0);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /EROFS/);
      saver.fail = null;
      auto.close();
    } finally {
      emit.mock.restore();
    }
  });

  it('validates its options', () => {
    assert.throws(() => make(0), /intervalMs.*0/);
    assert.throws(() => make(1.5), RangeError);
    assert.throws(
      () => new AutoCheckpointer({ store: saver, getState: 5 as unknown as () => unknown, intervalMs: 10 }),
      /getState/,
    );
  });

  it('writes real checkpoints through a CheckpointStore', () => {
    mock.timers.reset();
    const dir = mkdtempSync(join(tmpdir(), 'warden-auto-'));
    try {
      const store = CheckpointStore.open(dir);
      const live = { n: 0 };
      const auto = new AutoCheckpointer({ store, getState: () => live, intervalMs: 60_000 });
      live.n = 42;
      auto.markDirty();
      auto.close();
      assert.deepEqual(CheckpointStore.open(dir).loadLatest()?.checkpoint.state, { n: 42 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
