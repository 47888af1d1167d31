import { CliError } from './cli-error.js';
import type { Runtime } from './runtime.js';
import { createExchangeFromConfig } from '../exchange/from-config.js';
import { ExchangeConfigError } from '../exchange/exchange-config-error.js';
import type { Exchange } from '../exchange/index.js';

/** Runs `fn` with the venue the config's `exchange` section names, closed afterwards; no section is a one-line error. */
export async function withConfiguredExchange<T>(
  rt: Runtime,
  what: string,
  fn: (exchange: Exchange) => Promise<T>,
): Promise<T> {
  const section = rt.config.exchange;
  if (section === undefined)
    throw new CliError(
      `${what} needs a venue: add an "exchange" section to ${rt.path ?? 'the config'} (docs/exchange.md)`,
    );
  let exchange: Exchange;
  try {
    exchange = await createExchangeFromConfig(section);
  } catch (err) {
    if (err instanceof ExchangeConfigError) throw new CliError(`${what}: ${err.message}`);
    throw err;
  }
  try {
    return await fn(exchange);
  } finally {
    await exchange.close().catch(() => undefined);
  }
}
