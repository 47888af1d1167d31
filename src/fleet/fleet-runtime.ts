import type { WardenConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { postgresUrl } from '../store/postgres-url.js';
import type { Disposable } from '../util/event.js';
import { PgChangeFeed } from './pg-change-feed.js';
import { LeaderElection, type LeaderDuty } from './leader.js';
import { startPresence } from './presence.js';
import { wakeOnChanges, type WakeTargets } from './wake-on-changes.js';

/** What a process in the fleet runs besides its own work: the change feed, and for a daemon the election. */
export interface FleetRuntime {
  readonly feed: PgChangeFeed;
  /** The daemon's election (null for a bot). */
  readonly election: LeaderElection | null;
  /** KillSwitch options in fleet mode: the lease, and no poll of its own (the feed polls). */
  readonly killSwitchOptions: {
    readonly leaseMs: number;
    readonly leaseLost: 'trip' | 'wait';
    readonly pollMs: 0;
  };
  /** Wakes these caches on changes, reconnects and the poll. */
  wake(targets: WakeTargets): Disposable;
  /** Runs `duty` only while this process leads (a daemon); without an election, at once. */
  leaderDuty(duty: LeaderDuty): void;
  close(): Promise<void>;
}

/** Options of `startFleet`. */
export interface StartFleetOptions {
  /** `daemon`: campaign for the leadership; `bot`: the feed only. */
  readonly role: 'daemon' | 'bot';
  readonly env?: NodeJS.ProcessEnv;
  /** Told about lost connections and failed attempts; never thrown. */
  readonly onError?: (what: string, err: unknown) => void;
  /** Told when the leadership changes. */
  readonly onRole?: (leader: boolean) => void;
}

/**
 * Fleet mode, when the store is PostgreSQL: null otherwise (one host: the data dir's watch and the
 * kill switch's poll do the work). The feed LISTENs on the store's schema; a daemon campaigns for
 * the leadership and records itself in `store.fleet` with `{ leader }` in its info.
 */
export function startFleet(config: WardenConfig, store: Store, opts: StartFleetOptions): FleetRuntime | null {
  const s = config.store;
  if (s.kind !== 'postgres' || store.kind !== 'postgres') return null;
  const f = config.fleet;
  const url = postgresUrl(s, opts.env);
  const report = (what: string) => (err: unknown) => opts.onError?.(what, err);
  const feed = new PgChangeFeed({
    connectionString: url,
    schema: s.schema,
    pollMs: f.pollMs,
    notifications: f.notifications,
    applicationName: `warden-feed-${opts.role}`,
    onError: report('change feed'),
  });
  const election =
    opts.role === 'daemon'
      ? new LeaderElection({
          connectionString: url,
          schema: s.schema,
          retryMs: f.leaderRetryMs,
          onError: report('leader election'),
        })
      : null;
  const presence = startPresence({
    sink: store.fleet,
    role: opts.role,
    info: () => (election ? { leader: election.isLeader } : {}),
    onError: report('fleet presence'),
  });
  election?.onChange((r) => {
    presence.touchNow();
    if (r.role !== 'closed') opts.onRole?.(r.role === 'leader');
  });
  election?.start();
  const subs: Disposable[] = [];
  const ran: { close(): void | Promise<void> }[] = [];
  return {
    feed,
    election,
    killSwitchOptions: { leaseMs: f.leaseMs, leaseLost: f.leaseLost, pollMs: 0 },
    wake: (targets) => {
      const d = wakeOnChanges(feed, targets);
      subs.push(d);
      return d;
    },
    leaderDuty: (duty) => {
      if (election) election.duty(duty);
      else ran.push(duty());
    },
    close: async () => {
      for (const d of subs) d.dispose();
      await election?.close();
      for (const r of ran.splice(0)) await r.close();
      await feed.close();
      await presence.close();
    },
  };
}
