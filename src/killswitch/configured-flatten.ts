import type { LoadedConfig } from '../config/index.js';
import type { Timers } from '../resilience/index.js';
import type { Store } from '../store/index.js';
import type { AlertSink } from '../util/alert-sink.js';
import { commandFlattenHook, type FlattenHook } from './flatten.js';

/**
 * The flatten the config asks for: with an `exchange` section, the built-in flatten (the venue is
 * reached only when a flatten runs), followed by `killSwitch.flattenCommand` when that is set
 * too; without one, the command alone; neither: undefined. The executor and the venue are loaded
 * only when a flatten runs, so `warden guard` / `status` never load them.
 */
export function flattenHookFromConfig(
  loaded: LoadedConfig,
  store: Store,
  options: { alerts?: AlertSink; timers?: Timers; env?: NodeJS.ProcessEnv } = {},
): FlattenHook | undefined {
  const ks = loaded.config.killSwitch;
  const command = ks.flattenCommand
    ? commandFlattenHook(ks.flattenCommand, ks.flattenTimeoutSec * 1000)
    : undefined;
  const section = loaded.config.exchange;
  if (section === undefined) return command;
  const builtIn: FlattenHook = async (ctx) => {
    const [{ createExchangeFromConfig }, { exchangeFlattenHook }] = await Promise.all([
      import('../exchange/from-config.js'),
      import('./exchange-flatten.js'),
    ]);
    return exchangeFlattenHook({
      exchange: () => createExchangeFromConfig(section, { env: options.env }),
      orders: store.orders,
      dlq: store.dlq,
      executor: {
        ...(options.alerts ? { alerts: options.alerts } : {}),
        ...(options.timers ? { timers: options.timers } : {}),
      },
    })(ctx);
  };
  if (!command) return builtIn;
  return async (ctx) => (await import('./exchange-flatten.js')).chainFlattenHooks(builtIn, command)(ctx);
}
