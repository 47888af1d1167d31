import type { CircuitBreakerOptions } from './breaker-options.js';
import type { BreakerJSON, BreakerStats } from './breaker-types.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { isolateAll, type Isolation } from './isolation.js';

/** Options of a registry. */
export interface BreakerRegistryOptions {
  /** Options for a breaker the registry creates (called once per name); `name` is set by the registry. */
  readonly defaults?: (name: string) => Omit<CircuitBreakerOptions, 'name'>;
  /** States written by `toJSON()`, by breaker name: a breaker created later under that name starts from it. */
  readonly initialState?: Readonly<Record<string, BreakerJSON>>;
}

/** Breakers by name (one per exchange, per endpoint): get-or-create, stats, open circuits, reset all (seed 002). */
export class BreakerRegistry {
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #defaults: (name: string) => Omit<CircuitBreakerOptions, 'name'>;
  readonly #initial: Readonly<Record<string, BreakerJSON>>;

  constructor(options: BreakerRegistryOptions = {}) {
    this.#defaults = options.defaults ?? (() => ({}));
    this.#initial = options.initialState ?? {};
  }

  /** The breaker named `name`, created with `options` (or the defaults) if it does not exist yet. */
  get(name: string, options?: Omit<CircuitBreakerOptions, 'name'>): CircuitBreaker {
    let b = this.#breakers.get(name);
    if (b === undefined) {
      const initialState = Object.hasOwn(this.#initial, name) ? this.#initial[name] : undefined;
      b = new CircuitBreaker({ initialState, ...(options ?? this.#defaults(name)), name });
      this.#breakers.set(name, b);
    }
    return b;
  }

  /** The breaker named `name`, if it exists. */
  find(name: string): CircuitBreaker | undefined {
    return this.#breakers.get(name);
  }

  /** The names of every breaker. */
  names(): string[] {
    return [...this.#breakers.keys()];
  }

  /** Stats of every breaker, by name. */
  stats(): Record<string, BreakerStats> {
    const out: Record<string, BreakerStats> = {};
    for (const [name, b] of this.#breakers) out[name] = b.stats();
    return out;
  }

  /** Names of the breakers not admitting calls freely: open, forced open, or half-open. */
  openCircuits(): string[] {
    const out: string[] = [];
    for (const [name, b] of this.#breakers) {
      const s = b.state;
      if (s === 'open' || s === 'forced-open' || s === 'half-open') out.push(name);
    }
    return out;
  }

  /** Resets every breaker to closed. */
  resetAll(): void {
    for (const b of this.#breakers.values()) b.reset();
  }

  /** Forces the named breakers (default: all of them) open; one handle releases them all. */
  isolate(names?: Iterable<string>, options: { until?: number; reason?: string } = {}): Isolation {
    const targets =
      names === undefined ? [...this.#breakers.values()] : Array.from(names, (n) => this.get(n));
    return isolateAll(targets, options);
  }

  /** Every breaker's state, by name, for `initialState`. */
  toJSON(): Record<string, BreakerJSON> {
    const out: Record<string, BreakerJSON> = {};
    for (const [name, b] of this.#breakers) out[name] = b.toJSON();
    return out;
  }
}
