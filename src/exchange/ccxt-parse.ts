// Validation of ccxt's unified structures into Warden's types. A missing or mistyped field
// is a BadExchangeDataError naming the field; nothing is defaulted or coerced.
import { BadExchangeDataError } from './bad-exchange-data-error.js';
import type { Balance, Order, OrderStatus, Position, Ticker } from './types.js';

type Dict = Readonly<Record<string, unknown>>;

function dict(v: unknown, field: string): Dict {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new BadExchangeDataError(field, 'an object', v);
  return v as Dict;
}

function str(d: Dict, key: string, at: string): string {
  const v = d[key];
  if (typeof v !== 'string' || v === '')
    throw new BadExchangeDataError(`${at}.${key}`, 'a non-empty string', v);
  return v;
}

function finite(d: Dict, key: string, at: string): number {
  const v = d[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new BadExchangeDataError(`${at}.${key}`, 'a finite number', v);
  return v;
}

function finiteOrNull(d: Dict, key: string, at: string): number | null {
  const v = d[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new BadExchangeDataError(`${at}.${key}`, 'a finite number or nothing', v);
  return v;
}

function number(d: Dict, key: string, at: string): number {
  const v = d[key];
  if (typeof v !== 'number') throw new BadExchangeDataError(`${at}.${key}`, 'a number', v);
  return v;
}

const statuses: Readonly<Record<string, OrderStatus>> = Object.freeze({
  open: 'open',
  closed: 'closed',
  canceled: 'canceled',
  cancelled: 'canceled',
  expired: 'canceled',
  rejected: 'rejected',
});

/** A ccxt order as a Warden `Order`; `expired` becomes `canceled`. */
export function parseOrder(raw: unknown, at = 'order'): Order {
  const d = dict(raw, at);
  const side = d['side'];
  if (side !== 'buy' && side !== 'sell') throw new BadExchangeDataError(`${at}.side`, 'buy or sell', side);
  const type = d['type'];
  if (type !== 'market' && type !== 'limit')
    throw new BadExchangeDataError(`${at}.type`, 'market or limit', type);
  const rawStatus = d['status'];
  const status = typeof rawStatus === 'string' ? statuses[rawStatus] : undefined;
  if (status === undefined)
    throw new BadExchangeDataError(`${at}.status`, 'open, closed, canceled, expired or rejected', rawStatus);
  const amount = finite(d, 'amount', at);
  const filled = finite(d, 'filled', at);
  if (amount < 0 || filled < 0)
    throw new BadExchangeDataError(`${at}.amount/filled`, 'non-negative', `${amount}/${filled}`);
  const price =
    type === 'limit'
      ? finite(d, 'price', at)
      : (finiteOrNull(d, 'average', at) ?? finiteOrNull(d, 'price', at));
  return Object.freeze({
    id: str(d, 'id', at),
    clientOrderId: str(d, 'clientOrderId', at),
    symbol: str(d, 'symbol', at),
    side,
    type,
    amount,
    price,
    filled,
    average: filled > 0 ? (finiteOrNull(d, 'average', at) ?? price) : null,
    status,
    timestamp: finite(d, 'timestamp', at),
  });
}

/** ccxt's `fetchBalance()` answer as one `Balance` per currency in its `total` map. */
export function parseBalances(raw: unknown): Balance[] {
  const d = dict(raw, 'balance');
  const total = dict(d['total'], 'balance.total');
  const out: Balance[] = [];
  for (const currency of Object.keys(total).sort()) {
    const entry = dict(d[currency], `balance.${currency}`);
    out.push(
      Object.freeze({
        currency,
        free: finite(entry, 'free', `balance.${currency}`),
        used: finite(entry, 'used', `balance.${currency}`),
        total: finite(entry, 'total', `balance.${currency}`),
      }),
    );
  }
  return out;
}

/** A ccxt position as a signed `Position` (`contracts × contractSize`, negative when short). */
export function parsePosition(raw: unknown, at = 'position'): Position {
  const d = dict(raw, at);
  const side = d['side'];
  if (side !== 'long' && side !== 'short')
    throw new BadExchangeDataError(`${at}.side`, 'long or short', side);
  const contracts = finite(d, 'contracts', at);
  const size = finiteOrNull(d, 'contractSize', at) ?? 1;
  return Object.freeze({
    symbol: str(d, 'symbol', at),
    amount: (side === 'long' ? 1 : -1) * contracts * size,
    entryPrice: finiteOrNull(d, 'entryPrice', at),
  });
}

/** A ccxt ticker. Prices must be numbers but may be NaN or zero: judging them is the data-freshness layer's job. */
export function parseTicker(raw: unknown, at = 'ticker'): Ticker {
  const d = dict(raw, at);
  return Object.freeze({
    symbol: str(d, 'symbol', at),
    bid: number(d, 'bid', at),
    ask: number(d, 'ask', at),
    last: number(d, 'last', at),
    timestamp: finite(d, 'timestamp', at),
  });
}

/** A list of ccxt orders. */
export function parseOrders(raw: unknown, at = 'orders'): Order[] {
  if (!Array.isArray(raw)) throw new BadExchangeDataError(at, 'an array', raw);
  return raw.map((o, i) => parseOrder(o, `${at}[${i}]`));
}
