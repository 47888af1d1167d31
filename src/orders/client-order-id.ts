import { createHash } from 'node:crypto';

/** Binance's rule, also within OKX (32), Bybit (36) and KuCoin (40) when `maxLength` is set to the venue's. */
export const CLIENT_ORDER_ID_PATTERN = /^[a-zA-Z0-9-_]{1,36}$/;

/** Options of `clientOrderIdFor`. */
export interface ClientOrderIdOptions {
  /** Letters and digits, 1-8 chars. Default `w`. */
  readonly prefix?: string;
  /** The venue's limit: 20-64. Default 36 (Binance). OKX needs 32 and no `-`/`_` (set `separator: ''`). */
  readonly maxLength?: number;
  /** Between date and hash: `-`, `_` or empty. Default `-`. */
  readonly separator?: string;
}

/**
 * The client order id of an idempotency key, deterministic: prefix, the UTC date the intent was
 * first written (FIX's rule: ids are unique per day, so the date makes them unique across days),
 * then the hex SHA-256 of the key cut to fit `maxLength`. `w20261124-3f9a…` (36 chars).
 */
export function clientOrderIdFor(
  idempotencyKey: string,
  createdAt: number,
  options: ClientOrderIdOptions = {},
): string {
  const prefix = options.prefix ?? 'w';
  const maxLength = options.maxLength ?? 36;
  const separator = options.separator ?? '-';
  const d = new Date(createdAt);
  const date = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  const head = `${prefix}${date}${separator}`;
  const hash = createHash('sha256').update(idempotencyKey).digest('hex');
  return head + hash.slice(0, maxLength - head.length);
}

/** Validates client-id options (RangeError naming the option). */
export function checkClientOrderIdOptions(options: ClientOrderIdOptions): void {
  if (options.prefix !== undefined && !/^[a-zA-Z0-9]{1,8}$/.test(options.prefix))
    throw new RangeError(
      `clientOrderId.prefix must be 1-8 letters or digits, got ${JSON.stringify(options.prefix)}`,
    );
  if (
    options.maxLength !== undefined &&
    (!Number.isInteger(options.maxLength) || options.maxLength < 20 || options.maxLength > 64)
  )
    throw new RangeError(
      `clientOrderId.maxLength must be an integer 20-64, got ${String(options.maxLength)}`,
    );
  if (options.separator !== undefined && !['-', '_', ''].includes(options.separator))
    throw new RangeError(
      `clientOrderId.separator must be '-', '_' or '', got ${JSON.stringify(options.separator)}`,
    );
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
