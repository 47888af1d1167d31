import type { ShadowRecord } from '../strategy/shadow/shadow-ledger.js';
import type { GateCheckIntent, GateShadowOptions } from './gate-types.js';

/** Figures of the shadow writer. */
export interface ShadowStats {
  readonly written: number;
  /** Denials that could not be recorded: no idempotency key (nothing to resolve the outcome against) or no price. */
  readonly skipped: number;
  readonly failed: number;
}

/**
 * Writes denied intents with a strategy key to the shadow ledger, off the gate's call: records
 * are queued and appended on the next turn of the event loop (`setImmediate`), so `check` does no
 * I/O. The record's id is the intent's idempotency key: the bot reports the outcome against it
 * (`ledger.resolve(id, pnlC)`), and a key denied twice is one shadow trade.
 */
export class ShadowWriter {
  readonly #o: GateShadowOptions;
  readonly #scale: number;
  readonly #lastPrice: (symbol: string) => number | undefined;
  readonly #onError: (e: Error) => void;
  #queue: ShadowRecord[] = [];
  #scheduled: Promise<void> | null = null;
  #written = 0;
  #skipped = 0;
  #failed = 0;

  constructor(
    o: GateShadowOptions,
    lastPrice: (symbol: string) => number | undefined,
    onError: (e: Error) => void,
  ) {
    if (typeof o.ledger?.record !== 'function')
      throw new RangeError('shadow.ledger must be a ShadowLedger (an object with record())');
    const scale = o.priceToCents ?? 100;
    if (!(scale > 0) || !Number.isFinite(scale))
      throw new RangeError(`shadow.priceToCents must be a number > 0, got ${String(scale)}`);
    this.#o = o;
    this.#scale = scale;
    this.#lastPrice = lastPrice;
    this.#onError = onError;
  }

  /** Queues a denied intent (a no-op without a strategy key). */
  denied(intent: GateCheckIntent, now: number): void {
    const key = intent.strategy;
    if (typeof key !== 'string' || key === '') return;
    const id = intent.idempotencyKey;
    const price = intent.price ?? this.#lastPrice(intent.symbol);
    if (typeof id !== 'string' || id === '' || price === undefined || !(price > 0)) {
      this.#skipped++;
      return;
    }
    this.#queue.push({
      id,
      key,
      ts: new Date(now).toISOString(),
      entryPriceC: price * this.#scale,
      size: intent.amount,
    });
    this.#scheduled ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.#write();
        resolve();
      }),
    );
  }

  /** Resolves once everything queued so far is written (or failed). */
  drain(): Promise<void> {
    return this.#scheduled ?? Promise.resolve();
  }

  stats(): ShadowStats {
    return { written: this.#written, skipped: this.#skipped, failed: this.#failed };
  }

  #write(): void {
    const q = this.#queue;
    this.#queue = [];
    this.#scheduled = null;
    for (const r of q) {
      try {
        this.#o.ledger.record(r);
        this.#written++;
      } catch (err) {
        this.#failed++;
        this.#onError(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}
