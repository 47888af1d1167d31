import type { WardenConfig } from '../../config/index.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';
import { strategyPaths } from '../from-config.js';
import { StrategyBreaker } from './strategy-breaker.js';

/** Where a config's strategy state lives: the store in fleet mode (PostgreSQL), else the state file. */
export function strategyStateIn(store: Pick<Store, 'kind'>): 'store' | 'file' {
  return store.kind === 'postgres' ? 'store' : 'file';
}

/**
 * The runtime check for a config: on one host (SQLite) it reads the state file as always; in
 * fleet mode (PostgreSQL) it reads the store's strategy state, on its own 1 s poll
 * (`fleet.pollMs`) and on every wake of the change feed (`reload()`), with the fleet's lease
 * (`fleet.leaseMs`) after which it fails open as its policy says (`store_unconfirmed_fail_open`).
 * `polledByFeed`: the process's change feed polls (`startFleet`'s, which wakes every area on
 * its poll), so the breaker keeps no poll of its own: one poll per process, not one per cache.
 */
export function strategyBreakerFor(
  config: WardenConfig,
  dataDir: string,
  store: Pick<Store, 'kind' | 'strategyState'>,
  opts: {
    readonly clock?: Clock;
    readonly onError?: (err: unknown) => void;
    readonly polledByFeed?: boolean;
  } = {},
): StrategyBreaker {
  const s = config.strategy;
  const common = {
    statePath: strategyPaths(s, dataDir).state,
    stateKey: s.stateKey,
    staleAfterMs: s.staleAfterHours * 3_600_000,
    ...(opts.clock ? { clock: opts.clock } : {}),
  };
  if (strategyStateIn(store) === 'file') return new StrategyBreaker(common);
  return new StrategyBreaker({
    ...common,
    reloadIntervalMs: opts.polledByFeed === true ? 0 : config.fleet.pollMs,
    source: {
      repo: store.strategyState,
      leaseMs: config.fleet.leaseMs,
      ...(opts.onError ? { onError: opts.onError } : {}),
    },
  });
}
