// Builds a real ccxt `binance` client pointed at a local SimulatorHttpServer. Imports ccxt (an
// optional peer) lazily: only the config's `exchange: {kind: 'sim-http'}`, tests and the demo load it.

/** Options of `createSimulatedCcxt`. */
export interface SimulatedCcxtOptions {
  /** ccxt's request timeout in ms. Default 1000. */
  readonly timeout?: number;
  /** Loads ccxt. Default `import('ccxt')`. */
  readonly loadCcxt?: () => Promise<unknown>;
}

/**
 * A `ccxt.binance` instance whose every `urls.api` entry points at `baseUrl` (path kept),
 * spot markets only, no currency fetch, and dummy credentials (the simulator checks presence only).
 */
export async function createSimulatedCcxt(baseUrl: string, options: SimulatedCcxtOptions = {}) {
  const timeout = options.timeout ?? 1000;
  if (!Number.isInteger(timeout) || timeout <= 0)
    throw new RangeError(`timeout must be a positive integer, got ${String(timeout)}`);
  const ccxt = (options.loadCcxt ? await options.loadCcxt() : await import('ccxt')) as typeof import('ccxt');
  const exchange = new ccxt.binance({
    apiKey: 'sim-key',
    secret: 'sim-secret',
    timeout,
    enableRateLimit: false,
    options: {
      fetchMarkets: ['spot'],
      fetchCurrencies: false,
      warnOnFetchOpenOrdersWithoutSymbol: false,
      adjustForTimeDifference: false,
    },
  });
  const api = exchange.urls['api'] as Record<string, unknown>;
  for (const [key, value] of Object.entries(api)) {
    if (typeof value === 'string') api[key] = baseUrl + new URL(value).pathname;
  }
  // The simulator's dead man's switch (POST /api/v3/countdownCancelAll, signed): Binance spot has
  // none, so ccxt's binance lacks the method; this gives the real client one over the real wire.
  (exchange.has as Record<string, unknown>)['cancelAllOrdersAfter'] = true;
  exchange.cancelAllOrdersAfter = (timeout: number, params = {}) =>
    exchange.request('countdownCancelAll', 'private', 'POST', { ...params, countdownTime: timeout });
  return exchange;
}
