import type { BreakerRegistry, BreakerStateName, StateChangeEvent } from '../resilience/index.js';

/** What the daemon reads of a breaker registry (the process-wide one, or one it was given). */
export type BreakerSource = Pick<BreakerRegistry, 'names' | 'find' | 'stats'>;

/** Most breakers followed (and labelled in metrics); past it the rest are listed but not followed. */
export const MAX_FOLLOWED_BREAKERS = 100;

/** How often new breakers in the registry are looked for (ms). */
const SWEEP_MS = 1_000;

/** One breaker as `GET /v1/breakers` and the dashboard show it. */
export interface BreakerView {
  readonly name: string;
  readonly state: BreakerStateName;
  readonly since: number;
  readonly retryAfter: number | null;
  readonly calls: number;
  readonly successes: number;
  readonly failures: number;
  readonly rejections: number;
  readonly trips: number;
  /** State changes seen by the daemon since it began following the breaker, by state entered. */
  readonly transitions: Readonly<Partial<Record<BreakerStateName, number>>>;
}

/**
 * Follows every breaker of a registry: the registry has no "added" event, so a sweep (on an
 * unref'd timer, and on every read) subscribes to each new name. Counts state changes per breaker
 * and state entered, and tells each one to `onChange` (the daemon's events).
 */
export class BreakerWatch {
  readonly #src: BreakerSource;
  readonly #followed = new Map<string, { dispose(): void }>();
  readonly #counts = new Map<string, Partial<Record<BreakerStateName, number>>>();
  readonly #onChange: ((e: StateChangeEvent) => void) | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(src: BreakerSource, onChange?: (e: StateChangeEvent) => void) {
    this.#src = src;
    this.#onChange = onChange;
    this.sync();
    this.#timer = setInterval(() => this.sync(), SWEEP_MS);
    this.#timer.unref();
  }

  /** Follows the breakers created since the last sweep. */
  sync(): void {
    for (const name of this.#src.names()) {
      if (this.#followed.has(name) || this.#followed.size >= MAX_FOLLOWED_BREAKERS) continue;
      const b = this.#src.find(name);
      if (!b) continue;
      const counts: Partial<Record<BreakerStateName, number>> = {};
      this.#counts.set(name, counts);
      this.#followed.set(
        name,
        b.onStateChange((e) => {
          counts[e.to.state] = (counts[e.to.state] ?? 0) + 1;
          this.#onChange?.(e);
        }),
      );
    }
  }

  /** Transition counts by breaker and state entered (the followed breakers only). */
  transitions(): ReadonlyMap<string, Readonly<Partial<Record<BreakerStateName, number>>>> {
    return this.#counts;
  }

  /** Every breaker of the registry, sorted by name. */
  list(): BreakerView[] {
    this.sync();
    const stats = this.#src.stats();
    return Object.keys(stats)
      .sort()
      .map((name) => {
        const s = stats[name]!;
        return {
          name,
          state: s.state,
          since: s.since,
          retryAfter: s.retryAfter,
          calls: s.calls,
          successes: s.successes,
          failures: s.failures,
          rejections: s.rejections,
          trips: s.trips,
          transitions: { ...this.#counts.get(name) },
        };
      });
  }

  close(): void {
    clearInterval(this.#timer);
    for (const d of this.#followed.values()) d.dispose();
    this.#followed.clear();
  }
}
