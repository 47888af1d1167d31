import type { KvSwap } from './store.js';

/** Refuses a batch of kv compare-and-sets that names a key twice (which of the two would win?). */
export function checkSwaps(swaps: readonly KvSwap[]): void {
  const seen = new Set<string>();
  for (const s of swaps) {
    if (seen.has(s.key))
      throw new RangeError(`kv.compareAndSet: the key ${JSON.stringify(s.key)} appears twice`);
    seen.add(s.key);
  }
}
