// Test helper: what a watchdog unit test runs against, opened fresh for each test: a temp dir, a
// SQLite store on a manual clock at T0, collected alerts and the kill switch the watchdog trips.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KillSwitch } from '../killswitch/index.js';
import { SqliteStore, type Store } from '../store/index.js';
import { ManualClock } from '../util/clock.js';
import { CollectingAlerts } from '../util/test-collector.js';

/** The rig's start time: 2026-11-24 12:00 UTC. */
export const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

/** One test's rig. */
export interface WatchdogRig {
  readonly dir: string;
  readonly store: Store;
  readonly clock: ManualClock;
  readonly alerts: CollectingAlerts;
  readonly ks: KillSwitch;
}

/** Opens a rig in a new temp dir named `prefix<random>`. */
export async function openWatchdogRig(prefix: string): Promise<WatchdogRig> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const clock = new ManualClock(T0);
  const store = SqliteStore.open(join(dir, 'warden.db'), { clock });
  const alerts = new CollectingAlerts();
  const ks = await KillSwitch.open({ store, dataDir: dir, clock, alerts, pollMs: 0, source: 'watchdog' });
  return { dir, store, clock, alerts, ks };
}

/** Closes the kill switch and the store, and removes the dir. */
export async function closeWatchdogRig(r: WatchdogRig): Promise<void> {
  await r.ks.close();
  await r.store.close();
  rmSync(r.dir, { recursive: true, force: true });
}
