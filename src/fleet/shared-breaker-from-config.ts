import type { WardenConfig } from '../config/index.js';
import type { CircuitBreaker } from '../resilience/breaker/circuit-breaker.js';
import type { Store } from '../store/store.js';
import { postgresUrl } from '../store/postgres-url.js';
import { PgChangeFeed } from './pg-change-feed.js';
import { SharedBreaker } from './shared-breaker.js';

/**
 * `fleet.sharedBreakers`: shares `breaker` with every process on the account, through the store
 * (PostgreSQL: pushed by the process's change feed `feed` when given, which stays the caller's,
 * else by one of its own, plus the poll; SQLite, several bots on one host: the poll alone). Null
 * when off (the default). Failed reads and writes are told to `onError`.
 */
export function shareBreakerFromConfig(
  config: WardenConfig,
  store: Pick<Store, 'sharedBreakers'>,
  breaker: CircuitBreaker,
  opts: {
    readonly env?: NodeJS.ProcessEnv;
    readonly onError?: (err: unknown) => void;
    readonly feed?: PgChangeFeed;
  } = {},
): { readonly shared: SharedBreaker; close(): Promise<void> } | null {
  const sb = config.fleet.sharedBreakers;
  if (!sb.enabled || sb.account === null) return null;
  const s = config.store;
  const own =
    opts.feed === undefined && s.kind === 'postgres' && config.fleet.notifications
      ? new PgChangeFeed({
          connectionString: postgresUrl(s, opts.env),
          schema: s.schema,
          pollMs: 0,
          applicationName: 'warden-breakers',
          ...(opts.onError ? { onError: opts.onError } : {}),
        })
      : null;
  const feed = opts.feed ?? own;
  const shared = new SharedBreaker({
    breaker,
    repo: store.sharedBreakers,
    account: sb.account,
    probeLeaseMs: sb.probeLeaseMs,
    pollMs: config.fleet.pollMs,
    ...(feed ? { feed } : {}),
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
  return {
    shared,
    close: async () => {
      await shared.close();
      await own?.close();
    },
  };
}
