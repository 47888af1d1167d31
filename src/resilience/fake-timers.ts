import { ManualClock } from '../util/clock.js';
import type { Timers } from './timers.js';

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** Timers driven by a `ManualClock`: `advance(ms)` moves the clock and fires what fell due, in order. For tests. */
export class FakeTimers implements Timers {
  readonly clock: ManualClock;
  #pending = new Map<number, Pending>();
  #seq = 0;

  constructor(clock: ManualClock = new ManualClock(0)) {
    this.clock = clock;
  }

  /** Timers not yet fired or cleared. */
  get pending(): number {
    return this.#pending.size;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const seq = ++this.#seq;
    this.#pending.set(seq, { at: this.clock.now() + Math.max(0, ms), seq, callback });
    return seq;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** Moves time forward by `ms`, firing each due timer at its own time, and lets promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    for (;;) {
      await settle();
      let next: Pending | undefined;
      for (const p of this.#pending.values()) {
        if (p.at <= end && (next === undefined || p.at < next.at || (p.at === next.at && p.seq < next.seq)))
          next = p;
      }
      if (next === undefined) break;
      this.#pending.delete(next.seq);
      if (next.at > this.clock.now()) this.clock.set(next.at);
      next.callback();
    }
    this.clock.set(Math.max(end, this.clock.now()));
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
