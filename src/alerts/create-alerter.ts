import type { WardenConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { Alerter } from './alerter.js';
import type { AlerterOptions } from './alerter-types.js';

/** Everything of `AlerterOptions` that the config does not give. */
export type CreateAlerterOptions = Omit<
  AlerterOptions,
  'store' | 'channels' | 'ratePerMinute' | 'maxAttempts'
>;

/** An `Alerter` for the config's `alerts` section (channels, ratePerMinute, maxAttempts). */
export function createAlerter(
  config: Pick<WardenConfig, 'alerts'>,
  store: Store,
  options: CreateAlerterOptions = {},
): Alerter {
  const { channels, ratePerMinute, maxAttempts } = config.alerts;
  return new Alerter({ ...options, store, channels, ratePerMinute, maxAttempts });
}
