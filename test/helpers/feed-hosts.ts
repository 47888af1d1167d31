import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KillSwitch, type HaltState } from '../../src/killswitch/index.js';
import type { PgStore } from '../../src/store/postgres/pg-store.js';
import { PgChangeFeed, wakeOnChanges, type ChangeWake } from '../../src/fleet/index.js';
import { constantBackoff } from '../../src/resilience/retry/backoff.js';
import { createTestSchema, openFleetStore, type TestSchema } from './pg-test-schema.js';
import { until } from './until.js';

/** A "host" of a change-feed test: its own data dir, store pool (one connection), feed and kill switch. */
export interface FeedHost {
  readonly ks: KillSwitch;
  readonly feed: PgChangeFeed;
  readonly store: PgStore;
  /** Every state the kill switch changed to, in order. */
  readonly states: HaltState[];
  /** Every wake the feed gave, in order. */
  readonly wakes: ChangeWake[];
}

/** How a host's feed runs: its poll (0 = none, the default), notifications, reconnect delay. */
export interface FeedHostOptions {
  readonly pollMs?: number;
  readonly notifications?: boolean;
  readonly reconnectMs?: number;
}

/** The hosts of one suite, on one schema of the shared test server. */
export interface FeedHosts {
  /** The suite's schema (made before its tests run). */
  readonly db: TestSchema;
  /** A new host, listening (unless its notifications are off); closed after the suite. */
  host(name: string, opts?: FeedHostOptions): Promise<FeedHost>;
}

/**
 * Registers the suite's `before` (a fresh schema) and `after` (every host closed, newest first,
 * the schema dropped, the data dirs removed). Call it inside `describe`.
 */
export function feedHosts(): FeedHosts {
  let db: TestSchema | undefined;
  const dirs: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  before(async () => {
    db = await createTestSchema();
  });
  after(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await db?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const schema = (): TestSchema => {
    if (db === undefined) throw new Error('feedHosts: the schema is made in before(); use it in a test');
    return db;
  };
  return {
    get db() {
      return schema();
    },
    async host(name, opts = {}) {
      const { url, schema: pgSchema } = schema();
      const dataDir = mkdtempSync(join(tmpdir(), `warden-feed-${name}-`));
      dirs.push(dataDir);
      const store = await openFleetStore(url, pgSchema, { poolSize: 1 });
      const ks = await KillSwitch.open({ store, dataDir, pollMs: 0, source: name });
      const feed = new PgChangeFeed({
        connectionString: url,
        schema: pgSchema,
        pollMs: opts.pollMs ?? 0,
        notifications: opts.notifications,
        applicationName: `warden-test-feed-${name}`,
        backoff: opts.reconnectMs !== undefined ? constantBackoff(opts.reconnectMs) : undefined,
      });
      const states: HaltState[] = [];
      const wakes: ChangeWake[] = [];
      ks.onChange((s) => states.push(s));
      feed.onWake((w) => wakes.push(w));
      const sub = wakeOnChanges(feed, { killSwitch: ks });
      closers.push(async () => {
        sub.dispose();
        await feed.close();
        await ks.close();
        await store.close();
      });
      if (opts.notifications !== false)
        await until(`${name} listening`, () => feed.connection.state === 'listening');
      return { ks, feed, store, states, wakes };
    },
  };
}
