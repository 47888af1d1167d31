import { createHash } from 'node:crypto';
import { InvalidIntentError } from './invalid-intent-error.js';
import type { OrderIntent } from './types.js';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Throws `InvalidIntentError` naming the field when the intent cannot be sent. Nothing is stored. */
export function validateIntent(intent: OrderIntent, symbols: ReadonlySet<string>): void {
  if (typeof intent !== 'object' || intent === null)
    throw new InvalidIntentError('intent', 'must be an object');
  const key: unknown = intent.idempotencyKey;
  if (typeof key !== 'string' || !KEY_PATTERN.test(key))
    throw new InvalidIntentError(
      'idempotencyKey',
      `must be 1-255 printable ASCII chars without spaces, got ${JSON.stringify(key)}`,
    );
  if (typeof intent.symbol !== 'string' || !symbols.has(intent.symbol))
    throw new InvalidIntentError(
      'symbol',
      `unknown symbol ${JSON.stringify(intent.symbol)} (known: ${[...symbols].slice(0, 10).join(', ')})`,
    );
  if (intent.side !== 'buy' && intent.side !== 'sell')
    throw new InvalidIntentError('side', `must be buy or sell, got ${JSON.stringify(intent.side)}`);
  if (intent.type !== 'market' && intent.type !== 'limit')
    throw new InvalidIntentError('type', `must be market or limit, got ${JSON.stringify(intent.type)}`);
  if (typeof intent.amount !== 'number' || !Number.isFinite(intent.amount) || intent.amount <= 0)
    throw new InvalidIntentError('amount', `must be a finite number > 0, got ${String(intent.amount)}`);
  const price: unknown = intent.price;
  if (intent.type === 'limit' || price !== undefined) {
    if (typeof price !== 'number' || !Number.isFinite(price) || price <= 0)
      throw new InvalidIntentError('price', `must be a finite number > 0, got ${String(price)}`);
  }
  if (intent.reduceOnly !== undefined && typeof intent.reduceOnly !== 'boolean')
    throw new InvalidIntentError('reduceOnly', `must be a boolean, got ${String(intent.reduceOnly)}`);
}

/** The intent's canonical JSON (fixed field order): what is stored and hashed. */
export function canonicalPayload(i: OrderIntent): string {
  return JSON.stringify({
    idempotencyKey: i.idempotencyKey,
    symbol: i.symbol,
    side: i.side,
    type: i.type,
    amount: i.amount,
    price: i.price ?? null,
    reduceOnly: i.reduceOnly ?? false,
  });
}

/** SHA-256 of the canonical payload, hex. */
export function payloadHash(payload: string): string {
  return createHash('sha256').update(payload).digest('hex');
}

/** Reads a stored payload back into an intent. */
export function intentFromPayload(payload: string): OrderIntent {
  const p = JSON.parse(payload) as Record<string, unknown>;
  return {
    idempotencyKey: p['idempotencyKey'] as string,
    symbol: p['symbol'] as string,
    side: p['side'] as OrderIntent['side'],
    type: p['type'] as OrderIntent['type'],
    amount: p['amount'] as number,
    ...(typeof p['price'] === 'number' ? { price: p['price'] } : {}),
    ...(p['reduceOnly'] === true ? { reduceOnly: true } : {}),
  };
}
