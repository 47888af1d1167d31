import type { WardenConfig } from '../config/index.js';
import { DeadMansSwitch } from '../exchange/dead-mans-switch.js';
import type { Exchange } from '../exchange/index.js';
import type { Disposable } from '../resilience/index.js';
import type { AlertSink } from '../util/alert-sink.js';
import {
  watchExchangeBreaker,
  type ExchangeBreakerWatchOptions,
  type WatchedBreaker,
} from './exchange-breaker-watch.js';

/** The dead man's switch `reactions.deadMansSwitchMs` asks for, or null when it is 0. */
export function deadMansSwitchFromConfig(
  config: WardenConfig,
  exchange: Exchange,
  alerts?: AlertSink,
): DeadMansSwitch | null {
  const ms = config.reactions.deadMansSwitchMs;
  return ms > 0 ? new DeadMansSwitch({ exchange, timeoutMs: ms, ...(alerts ? { alerts } : {}) }) : null;
}

/**
 * `watchExchangeBreaker` with `reactions.breakerOpenTooLongSec`, tripping `killSwitch` only when
 * `reactions.tripOnOpenTooLong` is set.
 */
export function watchExchangeBreakerFromConfig(
  config: WardenConfig,
  breaker: WatchedBreaker,
  options: Omit<ExchangeBreakerWatchOptions, 'openTooLongMs' | 'tripKillSwitch'> & {
    killSwitch?: ExchangeBreakerWatchOptions['tripKillSwitch'];
  },
): Disposable {
  const { killSwitch, ...rest } = options;
  return watchExchangeBreaker(breaker, {
    ...rest,
    openTooLongMs: config.reactions.breakerOpenTooLongSec * 1000,
    ...(config.reactions.tripOnOpenTooLong && killSwitch ? { tripKillSwitch: killSwitch } : {}),
  });
}
