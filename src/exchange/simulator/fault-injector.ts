/**
 * A transport fault the simulator can inject into one call.
 * - `timeout_before_accept`: the request never reaches the venue; the caller times out.
 * - `timeout_after_accept`: the venue acts on the request (the order is placed) but the caller times out.
 * - `http_5xx`: the venue answers 503 without acting.
 * - `http_429`: the venue answers 429 with Retry-After without acting.
 * - `disconnect`: the venue acts on the request, then the connection drops before the answer.
 * - `delayed_accept`: the venue received the request but accepts it only `acceptDelayMs` later
 *   (longer than the client's timeout, inside the receive window): the caller times out, a
 *   lookup meanwhile says "absent", and then the order appears. The receive window is checked
 *   again at acceptance, as Binance's matching engine does.
 */
export type FaultKind =
  | 'timeout_after_accept'
  | 'timeout_before_accept'
  | 'http_5xx'
  | 'http_429'
  | 'disconnect'
  | 'delayed_accept';

/** Every fault kind, in the order random draws are mapped onto them. */
export const faultKinds: readonly FaultKind[] = Object.freeze([
  'timeout_after_accept',
  'timeout_before_accept',
  'http_5xx',
  'http_429',
  'disconnect',
  'delayed_accept',
]);

/** How a ticker can be corrupted: a NaN price, a zero price, or a timestamp long past. */
export type BadDataKind = 'nan' | 'zero' | 'stale';

/** A venue operation, as faults are targeted at them. */
export type SimOperation =
  | 'loadMarkets'
  | 'createOrder'
  | 'cancelOrder'
  | 'cancelAllOrders'
  | 'fetchOrder'
  | 'fetchOpenOrders'
  | 'fetchBalances'
  | 'fetchPositions'
  | 'fetchTicker'
  | 'fetchTime'
  | 'deadMansSwitch';

/** Random fault configuration; every draw comes from the simulator's seeded random. */
export interface FaultConfig {
  /** Probability per call of each fault kind (their sum must not exceed 1). */
  readonly rates?: Partial<Record<FaultKind, number>>;
  /** Operations random faults apply to; default every operation except `loadMarkets`. */
  readonly operations?: readonly SimOperation[];
  /** Added latency per call: a fixed number or a uniform range. Default 0. */
  readonly latencyMs?: number | { readonly min: number; readonly max: number };
  /** Probability that a ticker read is corrupted, and how. */
  readonly badData?: { readonly rate: number; readonly kinds?: readonly BadDataKind[] };
  /** Retry-After sent with `http_429`, in ms (rounded up to seconds over HTTP). Default 1000. */
  readonly retryAfterMs?: number;
  /** How old a `stale` ticker's timestamp is, in ms. Default 60000. */
  readonly staleMs?: number;
  /** How long after receipt a `delayed_accept` request is accepted, in ms. Default 1500. */
  readonly acceptDelayMs?: number;
}

interface Forced {
  readonly kind: FaultKind;
  readonly operation: SimOperation | undefined;
  remaining: number;
}

const defaultOperations: readonly SimOperation[] = Object.freeze([
  'createOrder',
  'cancelOrder',
  'cancelAllOrders',
  'fetchOrder',
  'fetchOpenOrders',
  'fetchBalances',
  'fetchPositions',
  'fetchTicker',
  'fetchTime',
  'deadMansSwitch',
]);

/** Decides, per call, which fault (if any) the simulator injects: forced ones first, then seeded random draws. */
export class FaultInjector {
  readonly #random: () => number;
  #config: Required<Omit<FaultConfig, 'latencyMs' | 'badData'>> & {
    latency: { min: number; max: number };
    badRate: number;
    badKinds: readonly BadDataKind[];
  };
  #forced: Forced[] = [];
  #forcedBadData: BadDataKind[] = [];
  #injected: Record<FaultKind, number> = zeroCounts();

  constructor(random: () => number, config: FaultConfig = {}) {
    this.#random = random;
    this.#config = normalize(config);
  }

  /** Replaces the random fault configuration (forced faults stay queued). */
  configure(config: FaultConfig): void {
    this.#config = normalize(config);
  }

  /** Forces `kind` on the next `times` calls (of `operation` only, when given), ahead of any random draw. */
  injectNext(kind: FaultKind, options: { operation?: SimOperation; times?: number } = {}): void {
    if (!faultKinds.includes(kind))
      throw new RangeError(`fault kind must be one of ${faultKinds.join(', ')}, got ${String(kind)}`);
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1)
      throw new RangeError(`times must be a positive integer, got ${String(times)}`);
    this.#forced.push({ kind, operation: options.operation, remaining: times });
  }

  /** Forces the next `times` ticker reads to be corrupted as `kind`. */
  injectBadData(kind: BadDataKind, times = 1): void {
    if (!Number.isInteger(times) || times < 1)
      throw new RangeError(`times must be a positive integer, got ${String(times)}`);
    for (let i = 0; i < times; i++) this.#forcedBadData.push(kind);
  }

  /** Drops every forced fault and zeroes the counters; keeps the random configuration. */
  clear(): void {
    this.#forced = [];
    this.#forcedBadData = [];
    this.#injected = zeroCounts();
  }

  /** The fault for this call of `operation`, or `null`. Draws exactly one random number per call. */
  next(operation: SimOperation): FaultKind | null {
    const i = this.#forced.findIndex((f) => f.operation === undefined || f.operation === operation);
    const draw = this.#random();
    if (i >= 0) {
      const f = this.#forced[i]!;
      f.remaining -= 1;
      if (f.remaining === 0) this.#forced.splice(i, 1);
      this.#injected[f.kind] += 1;
      return f.kind;
    }
    if (!this.#config.operations.includes(operation)) return null;
    let acc = 0;
    for (const kind of faultKinds) {
      acc += this.#config.rates[kind] ?? 0;
      if (draw < acc) {
        this.#injected[kind] += 1;
        return kind;
      }
    }
    return null;
  }

  /** Latency to add to this call, in ms. */
  latency(): number {
    const { min, max } = this.#config.latency;
    return max === min ? min : min + Math.floor(this.#random() * (max - min + 1));
  }

  /** How this ticker read is corrupted, or `null`. */
  badData(): BadDataKind | null {
    const forced = this.#forcedBadData.shift();
    if (forced !== undefined) return forced;
    if (this.#config.badRate === 0) return null;
    if (this.#random() >= this.#config.badRate) return null;
    const kinds = this.#config.badKinds;
    return kinds[Math.floor(this.#random() * kinds.length)] ?? null;
  }

  /** Retry-After for `http_429`, in ms. */
  get retryAfterMs(): number {
    return this.#config.retryAfterMs;
  }

  /** Age of a `stale` ticker, in ms. */
  get staleMs(): number {
    return this.#config.staleMs;
  }

  /** Delay before a `delayed_accept` request is accepted, in ms. */
  get acceptDelayMs(): number {
    return this.#config.acceptDelayMs;
  }

  /** How many faults of each kind were injected since the last `clear()`. */
  injected(): Readonly<Record<FaultKind, number>> {
    return { ...this.#injected };
  }
}

function zeroCounts(): Record<FaultKind, number> {
  return {
    timeout_after_accept: 0,
    timeout_before_accept: 0,
    http_5xx: 0,
    http_429: 0,
    disconnect: 0,
    delayed_accept: 0,
  };
}

function probability(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new RangeError(`${name} must be a probability in [0, 1], got ${String(v)}`);
  }
  return v;
}

function nonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${String(v)}`);
  }
  return v;
}

function normalize(config: FaultConfig) {
  const rates: Partial<Record<FaultKind, number>> = {};
  let sum = 0;
  for (const [kind, rate] of Object.entries(config.rates ?? {})) {
    if (!faultKinds.includes(kind as FaultKind)) {
      throw new RangeError(`rates: unknown fault kind ${kind} (one of ${faultKinds.join(', ')})`);
    }
    sum += probability(`rates.${kind}`, rate);
    rates[kind as FaultKind] = rate;
  }
  if (sum > 1 + 1e-9) throw new RangeError(`rates must sum to at most 1, got ${sum}`);
  const l = config.latencyMs ?? 0;
  const latency =
    typeof l === 'number'
      ? { min: nonNegative('latencyMs', l), max: l }
      : { min: nonNegative('latencyMs.min', l.min), max: nonNegative('latencyMs.max', l.max) };
  if (latency.max < latency.min)
    throw new RangeError(`latencyMs.max must be >= min, got ${latency.max} < ${latency.min}`);
  const badKinds = config.badData?.kinds ?? ['nan', 'zero', 'stale'];
  if (badKinds.length === 0) throw new RangeError('badData.kinds must not be empty');
  return Object.freeze({
    rates: Object.freeze(rates),
    operations: Object.freeze([...(config.operations ?? defaultOperations)]),
    latency,
    badRate: probability('badData.rate', config.badData?.rate ?? 0),
    badKinds: Object.freeze([...badKinds]),
    retryAfterMs: nonNegative('retryAfterMs', config.retryAfterMs ?? 1000),
    staleMs: nonNegative('staleMs', config.staleMs ?? 60_000),
    acceptDelayMs: nonNegative('acceptDelayMs', config.acceptDelayMs ?? 1_500),
  });
}
