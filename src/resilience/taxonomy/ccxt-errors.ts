import { failureClass, type FailureCategory, type FailureClass, type Retryability } from './failure-class.js';

/** [category, retry on a read, retry on a call with side effects]. */
type Rule = readonly [FailureCategory, Retryability, Retryability];

const NEVER_EXCHANGE: Rule = ['exchange', 'never', 'never'];
const NEVER_LOGIC: Rule = ['logic', 'never', 'never'];
const NEVER_STATE: Rule = ['state', 'never', 'never'];

/**
 * ccxt 4's error classes, by class name. The lookup walks the error's prototype chain from its
 * own class up, so the most specific class wins and a subclass ccxt adds later falls back to its
 * parent: the same answer `instanceof` gives, without importing ccxt at run time.
 */
const CCXT_RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  // OperationFailed subtree: the request may be fine, the transport or the exchange was not.
  ['RequestTimeout', ['network', 'retryable', 'ambiguous']],
  ['DDoSProtection', ['exchange', 'retryable', 'retryable']],
  ['RateLimitExceeded', ['exchange', 'retryable', 'retryable']],
  ['OnMaintenance', ['exchange', 'conditional', 'conditional']],
  ['ExchangeNotAvailable', ['exchange', 'retryable', 'ambiguous']],
  ['ChecksumError', ['data', 'retryable', 'retryable']],
  ['InvalidNonce', ['network', 'retryable', 'retryable']],
  ['NetworkError', ['network', 'retryable', 'ambiguous']],
  ['NullResponse', ['data', 'never', 'ambiguous']],
  ['BadResponse', ['data', 'never', 'ambiguous']],
  ['CancelPending', ['state', 'conditional', 'conditional']],
  ['OperationFailed', ['network', 'retryable', 'ambiguous']],
  // ExchangeError subtree: the exchange understood and said no.
  ['AccountNotEnabled', NEVER_EXCHANGE],
  ['PermissionDenied', NEVER_EXCHANGE],
  ['AccountSuspended', NEVER_EXCHANGE],
  ['AuthenticationError', NEVER_EXCHANGE],
  ['ArgumentsRequired', NEVER_LOGIC],
  ['BadSymbol', NEVER_LOGIC],
  ['BadRequest', NEVER_LOGIC],
  ['MarketClosed', ['exchange', 'conditional', 'conditional']],
  ['MarginModeAlreadySet', NEVER_STATE],
  ['NoChange', NEVER_STATE],
  ['ManualInteractionNeeded', NEVER_EXCHANGE],
  ['RestrictedLocation', NEVER_EXCHANGE],
  ['OperationRejected', NEVER_EXCHANGE],
  ['InsufficientFunds', NEVER_EXCHANGE],
  ['AddressPending', NEVER_EXCHANGE],
  ['InvalidAddress', NEVER_EXCHANGE],
  ['OrderNotFound', NEVER_STATE],
  ['OrderNotCached', NEVER_STATE],
  ['DuplicateOrderId', NEVER_STATE],
  ['OrderImmediatelyFillable', NEVER_EXCHANGE],
  ['OrderNotFillable', NEVER_EXCHANGE],
  ['ContractUnavailable', NEVER_EXCHANGE],
  ['InvalidOrder', NEVER_EXCHANGE],
  ['NotSupported', NEVER_LOGIC],
  ['InvalidProxySettings', NEVER_LOGIC],
  ['ExchangeClosedByUser', NEVER_STATE],
  ['ExchangeError', NEVER_EXCHANGE],
  ['UnsubscribeError', NEVER_STATE],
  ['BaseError', NEVER_EXCHANGE],
]);

/** The class names on an object's prototype chain, own class first, up to (not including) Error. */
export function classChain(value: object): string[] {
  const names: string[] = [];
  for (let p: unknown = Object.getPrototypeOf(value); p !== null && p !== Error.prototype;) {
    const ctor = (p as { constructor?: unknown }).constructor;
    if (typeof ctor === 'function' && ctor.name !== '') names.push(ctor.name);
    p = Object.getPrototypeOf(p);
  }
  return names;
}

/**
 * The class chain of a ccxt error (own class first, `BaseError` last), or undefined when
 * `error` is not one. The one place Warden walks ccxt's classes: the taxonomy here and the
 * translation into Warden's exchange errors (`exchange/ccxt-errors.ts`) both read it.
 */
export function ccxtClassChain(error: unknown): string[] | undefined {
  if (!(error instanceof Error)) return undefined;
  const chain = classChain(error);
  return chain[chain.length - 1] === 'BaseError' ? chain : undefined;
}

/**
 * Classifies a ccxt error, or returns undefined when `error` is not one. Its chain must reach
 * ccxt's `BaseError`, or Warden's own `ExchangeError` (src/exchange), whose subclasses carry
 * ccxt's names so both venues' errors get the same answer.
 */
export function classifyCcxtError(error: unknown, sideEffect: boolean): FailureClass | undefined {
  if (!(error instanceof Error)) return undefined;
  const chain = classChain(error);
  const root = chain[chain.length - 1];
  if (root !== 'BaseError' && root !== 'ExchangeError') return undefined;
  for (const name of chain) {
    const rule = CCXT_RULES.get(name);
    if (rule !== undefined) return failureClass(rule[0], sideEffect ? rule[2] : rule[1], `ccxt:${name}`);
  }
  return undefined;
}
