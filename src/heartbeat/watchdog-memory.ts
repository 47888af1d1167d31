import type { KvRepo, KvSwap } from '../store/index.js';

const EXPECTED_SINCE = 'watchdog:expected_since:';
const FILE_SEEN = 'watchdog:file_seen:';

/** A file heartbeat's stamp and when a watchdog first saw it, as kept in kv: `<at> <seen>`. */
function parseSeen(raw: string | null | undefined): { at: number; seen: number } | null {
  if (raw === null || raw === undefined) return null;
  const [at, seen] = raw.split(' ').map(Number);
  return Number.isFinite(at) && Number.isFinite(seen) ? { at: at!, seen: seen! } : null;
}

const validSince = (raw: string | null | undefined): raw is string =>
  raw !== null && raw !== undefined && Number.isFinite(Number(raw));

/** One compare-and-set of a pass, and what to do with the value the store answers. */
interface Step {
  readonly swap: KvSwap;
  readonly apply: (stored: string | null) => Step | null;
}

/**
 * What a watchdog keeps in the store's kv across runs, and every watchdog of a fleet shares:
 * when each heartbeat was first expected (set if absent: the first watchdog to write it wins, and
 * every other adopts its value) and when each file heartbeat's current stamp was first seen
 * (compare-and-set on the value last known). Both are kept here after the store's first answer,
 * so a pass makes one compare-and-set (every key not known yet is set if absent, which answers
 * with what is stored), a second only for keys whose stored value must be replaced (a file stamp
 * that changed, garbage), whatever the number of heartbeats; a steady pass makes none.
 */
export class WatchdogMemory {
  readonly #kv: KvRepo;
  readonly #since = new Map<string, number>();
  /** Per file heartbeat: its kv value as last read or written (null: absent), the next swap's `expected`. */
  readonly #seen = new Map<string, string | null>();

  constructor(kv: KvRepo) {
    this.#kv = kv;
  }

  /** When `name` was first expected; `update` must have run for it. */
  since(name: string): number {
    const v = this.#since.get(name);
    if (v === undefined) throw new Error(`watchdog memory: ${name} was not updated`);
    return v;
  }

  /** When the file heartbeat `name`'s stamp `at` was first seen (`now` when the store holds another stamp). */
  seen(name: string, at: number, now: number): number {
    const p = parseSeen(this.#seen.get(name));
    return p !== null && p.at === at ? p.seen : now;
  }

  /**
   * Brings both up to date for a pass at `now`: `names` are every heartbeat expected, `stamps` the
   * `at` each readable file heartbeat shows now. At most two compare-and-sets.
   */
  async update(names: readonly string[], stamps: ReadonlyMap<string, number>, now: number): Promise<void> {
    let steps: Step[] = [];
    for (const n of names) if (!this.#since.has(n)) steps.push(this.#sinceStep(n, null, now));
    for (const [n, at] of stamps) {
      const step = this.#seen.has(n) ? this.#seenStep(n, at, now) : this.#firstSeenStep(n, at, now);
      if (step !== null) steps.push(step);
    }
    for (let round = 0; steps.length > 0 && round < 2; round++) {
      const after = await this.#kv.compareAndSet(steps.map((s) => s.swap));
      const next: Step[] = [];
      for (const s of steps) {
        const more = s.apply(after.get(s.swap.key) ?? null);
        if (more !== null) next.push(more);
      }
      steps = next;
    }
  }

  /** Set `name`'s first-expected time to `now` if the store holds `expected`; adopt what it holds. */
  #sinceStep(name: string, expected: string | null, now: number): Step {
    return {
      swap: { key: EXPECTED_SINCE + name, expected, value: String(now) },
      apply: (v) => {
        if (validSince(v)) {
          this.#since.set(name, Number(v));
          return null;
        }
        // Garbage (or nothing, which no kv delete leaves): replaced on the second round, used at once.
        this.#since.set(name, now);
        return expected === null && v !== null ? this.#sinceStep(name, v, now) : null;
      },
    };
  }

  /** A file heartbeat not known yet: its first-seen entry set if absent, then swapped if it holds another stamp. */
  #firstSeenStep(name: string, at: number, now: number): Step {
    return {
      swap: { key: FILE_SEEN + name, expected: null, value: `${at} ${now}` },
      apply: (v) => {
        this.#seen.set(name, v);
        return this.#seenStep(name, at, now);
      },
    };
  }

  /** A swap of `name`'s first-seen entry from the value last known, when that holds another stamp. */
  #seenStep(name: string, at: number, now: number): Step | null {
    const raw = this.#seen.get(name) ?? null;
    if (parseSeen(raw)?.at === at) return null;
    return {
      swap: { key: FILE_SEEN + name, expected: raw, value: `${at} ${now}` },
      apply: (v) => {
        this.#seen.set(name, v);
        return null;
      },
    };
  }
}
