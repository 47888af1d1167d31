import type { KillSwitchEvent, KillSwitchRepo, Store } from '../../src/store/index.js';

/** A kill-switch read the test holds: it has its answer from the store and waits to return it. */
export interface HeldRead {
  /** Resolves once the held read has its answer (the store was read) and is waiting. */
  readonly reached: Promise<KillSwitchEvent | null>;
  /** Lets the held read return the answer it got. */
  release(): void;
}

/** A store whose kill-switch reads the test can hold, and counts. */
export interface HeldReadsStore {
  readonly store: Store;
  /** How many times `killSwitch.latest()` was called (the first step of every kill-switch read). */
  readonly reads: number;
  /** Holds the next `killSwitch.latest()` after the store answered it, until `release()`. */
  holdNext(): HeldRead;
}

/** Methods bound to their target, so private fields of the real store and repo keep working. */
function delegate<T extends object>(target: T, override: Partial<T>): T {
  return new Proxy(target, {
    get(t, key) {
      if (Object.hasOwn(override, key)) return override[key as keyof T];
      const v: unknown = Reflect.get(t, key);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

/**
 * Wraps `inner` so a test can force an interleaving: a kill-switch read that has read the store
 * ("running", say) is held before it returns, while the test does something else (a trip and its
 * notice), then released. Nothing else about the store changes.
 */
export function heldReadsStore(inner: Store): HeldReadsStore {
  let reads = 0;
  let next: { got(e: KillSwitchEvent | null): void; released: Promise<void> } | null = null;
  const repo: KillSwitchRepo = inner.killSwitch;
  const latest = async (): Promise<KillSwitchEvent | null> => {
    reads += 1;
    const hold = next;
    next = null;
    const answer = await repo.latest();
    if (hold) {
      hold.got(answer);
      await hold.released;
    }
    return answer;
  };
  const store = delegate(inner, { killSwitch: delegate(repo, { latest }) });
  return {
    store,
    get reads() {
      return reads;
    },
    holdNext() {
      let got!: (e: KillSwitchEvent | null) => void;
      let release!: () => void;
      const reached = new Promise<KillSwitchEvent | null>((r) => (got = r));
      const released = new Promise<void>((r) => (release = r));
      next = { got, released };
      return { reached, release };
    },
  };
}
