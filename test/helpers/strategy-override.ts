import type { StrategyStateRepo } from '../../src/store/index.js';
import {
  applyStoreOverride,
  type StoreOverrideParams,
  type StoreOverrideResult,
} from '../../src/strategy/state/store-override.js';

/**
 * A manual block or unblock of `key` in the store's `strategies` state, made now, on the version
 * read (compare-and-set), as `warden strategy block|unblock` makes it.
 */
export function overrideNow(
  repo: StrategyStateRepo,
  key: string,
  action: StoreOverrideParams['action'],
  reason: string,
  by: string,
): Promise<StoreOverrideResult> {
  return applyStoreOverride({ repo, stateKey: 'strategies', key, action, reason, by, now: Date.now() });
}
