import { InsufficientFunds } from '../exchange-error.js';
import type { Balance, OrderSide, Position } from '../types.js';

/** A position the simulated account starts with (signed amount). */
export interface InitialPosition {
  readonly amount: number;
  readonly entryPrice: number;
}

/** The simulator's account: balances (free and reserved) and net positions moved by fills. */
export class Ledger {
  readonly #free = new Map<string, number>();
  readonly #used = new Map<string, number>();
  readonly #positions = new Map<string, { amount: number; entryPrice: number | null }>();

  constructor(
    balances: Readonly<Record<string, number>>,
    positions: Readonly<Record<string, InitialPosition>> = {},
  ) {
    for (const [symbol, p] of Object.entries(positions)) {
      if (!Number.isFinite(p.amount) || !Number.isFinite(p.entryPrice) || p.entryPrice <= 0) {
        throw new RangeError(
          `positions.${symbol} needs a finite amount and entryPrice > 0, got ${JSON.stringify(p)}`,
        );
      }
      this.#positions.set(symbol, { amount: p.amount, entryPrice: p.amount === 0 ? null : p.entryPrice });
    }
    for (const [currency, amount] of Object.entries(balances)) {
      if (!Number.isFinite(amount) || amount < 0) {
        throw new RangeError(`balances.${currency} must be a finite number >= 0, got ${String(amount)}`);
      }
      this.#free.set(currency, amount);
    }
  }

  /** Moves `amount` of `currency` from free to reserved; throws InsufficientFunds when short. */
  reserve(currency: string, amount: number): void {
    const free = this.#free.get(currency) ?? 0;
    if (free + 1e-12 < amount) {
      throw new InsufficientFunds(`insufficient ${currency}: need ${amount}, free ${free}`);
    }
    this.#free.set(currency, round(free - amount));
    this.#used.set(currency, round((this.#used.get(currency) ?? 0) + amount));
  }

  /** Returns a reservation to free. */
  release(currency: string, amount: number): void {
    this.#used.set(currency, round(Math.max(0, (this.#used.get(currency) ?? 0) - amount)));
    this.#free.set(currency, round((this.#free.get(currency) ?? 0) + amount));
  }

  /** Throws InsufficientFunds unless `amount` of `currency` is free. */
  require(currency: string, amount: number): void {
    const free = this.#free.get(currency) ?? 0;
    if (free + 1e-12 < amount) {
      throw new InsufficientFunds(`insufficient ${currency}: need ${amount}, free ${free}`);
    }
  }

  /** Settles a fill from free balances (reservations must be released first) and moves the position. */
  fill(symbol: string, base: string, quote: string, side: OrderSide, amount: number, price: number): void {
    const cost = amount * price;
    const sign = side === 'buy' ? 1 : -1;
    this.#free.set(base, round((this.#free.get(base) ?? 0) + sign * amount));
    this.#free.set(quote, round((this.#free.get(quote) ?? 0) - sign * cost));
    this.#movePosition(symbol, sign * amount, price);
  }

  /** The net position of `symbol` (signed). */
  position(symbol: string): number {
    return this.#positions.get(symbol)?.amount ?? 0;
  }

  /** Every currency held or reserved. */
  balances(): Balance[] {
    const out: Balance[] = [];
    const currencies = new Set([...this.#free.keys(), ...this.#used.keys()]);
    for (const currency of [...currencies].sort()) {
      const free = this.#free.get(currency) ?? 0;
      const used = this.#used.get(currency) ?? 0;
      out.push(Object.freeze({ currency, free, used, total: round(free + used) }));
    }
    return out;
  }

  /** Every non-flat position. */
  positions(): Position[] {
    const out: Position[] = [];
    for (const [symbol, p] of [...this.#positions].sort(([a], [b]) => a.localeCompare(b))) {
      if (p.amount !== 0) out.push(Object.freeze({ symbol, amount: p.amount, entryPrice: p.entryPrice }));
    }
    return out;
  }

  #movePosition(symbol: string, delta: number, price: number): void {
    const p = this.#positions.get(symbol) ?? { amount: 0, entryPrice: null };
    const next = round(p.amount + delta);
    let entry = p.entryPrice;
    if (p.amount === 0 || Math.sign(p.amount) === Math.sign(delta)) {
      entry = ((p.entryPrice ?? 0) * Math.abs(p.amount) + price * Math.abs(delta)) / Math.abs(next);
    } else if (next !== 0 && Math.sign(next) !== Math.sign(p.amount)) {
      entry = price;
    }
    this.#positions.set(symbol, { amount: next, entryPrice: next === 0 ? null : entry });
  }
}

/** Rounds away binary noise (1e-12) so balances compare exactly in tests. */
function round(x: number): number {
  return Math.round(x * 1e12) / 1e12;
}
