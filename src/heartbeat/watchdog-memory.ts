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

/**
 * What a watchdog keeps in the store's kv across runs, and every watchdog of a fleet shares:
 * when each heartbeat was first expected (set if absent: the first watchdog to write it wins, and
 * every other adopts its value) and when each file heartbeat's current stamp was first seen
 * (compare-and-set on the value last read). Both are kept here after their first read, so a pass
 * makes at most one kv read (keys not known yet) and one compare-and-set (keys to write),
 * whatever the number of heartbeats, and a steady pass makes none.
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
   * `at` each readable file heartbeat shows now. One read, one compare-and-set at most.
   */
  async update(names: readonly string[], stamps: ReadonlyMap<string, number>, now: number): Promise<void> {
    const unknownSince = names.filter((n) => !this.#since.has(n));
    const unknownSeen = [...stamps.keys()].filter((n) => !this.#seen.has(n));
    const keys = [...unknownSince.map((n) => EXPECTED_SINCE + n), ...unknownSeen.map((n) => FILE_SEEN + n)];
    const stored = keys.length > 0 ? await this.#kv.getMany(keys) : new Map<string, string>();
    for (const n of unknownSeen) this.#seen.set(n, stored.get(FILE_SEEN + n) ?? null);
    const swaps: { swap: KvSwap; apply: (v: string | null) => void }[] = [];
    for (const n of unknownSince) {
      const raw = stored.get(EXPECTED_SINCE + n);
      if (validSince(raw)) this.#since.set(n, Number(raw));
      else
        swaps.push({
          swap: { key: EXPECTED_SINCE + n, expected: raw ?? null, value: String(now) },
          apply: (v) => this.#since.set(n, validSince(v) ? Number(v) : now),
        });
    }
    for (const [n, at] of stamps) {
      const raw = this.#seen.get(n) ?? null;
      if (parseSeen(raw)?.at === at) continue;
      swaps.push({
        swap: { key: FILE_SEEN + n, expected: raw, value: `${at} ${now}` },
        apply: (v) => this.#seen.set(n, v),
      });
    }
    if (swaps.length === 0) return;
    const after = await this.#kv.compareAndSet(swaps.map((s) => s.swap));
    for (const s of swaps) s.apply(after.get(s.swap.key) ?? null);
  }
}
