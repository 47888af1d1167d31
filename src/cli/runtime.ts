import type { Command } from 'commander';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { configFor } from './context.js';
import type { LoadedConfig } from '../config/index.js';
import { reserveFor } from '../store/space-reserve.js';
import {
  SqliteStore,
  StoreError,
  StoreMissingError,
  openStore,
  storePath,
  type Store,
  type StoreOpenMode,
} from '../store/index.js';
import { KillSwitch, circuitFilePath, fallbackAlertsFor, writeCircuitFile } from '../killswitch/index.js';
import type { AlertSink } from '../util/alert-sink.js';
import { createAlerter } from '../alerts/index.js';
import { flattenHookFromConfig } from '../killswitch/configured-flatten.js';
import type { Timers } from '../resilience/index.js';

/** Timers that keep a CLI process alive: a lookup may wait out the receive window, and nothing else does. */
export const referencedTimers: Timers = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** What a command that touches the store needs, opened once and closed once. */
export interface Runtime extends LoadedConfig {
  readonly store: Store;
  /** The alerter, with alerts the outbox cannot take sent straight from memory. */
  readonly alerts: AlertSink & { flush(): Promise<unknown>; close(): Promise<void> };
  /** Opens a kill switch (no poll by default: a one-shot read); a long-running command passes its poll and lease. */
  killSwitch(source: string, watch?: KillSwitchWatch): Promise<KillSwitch>;
  /** Closes everything; `flush: false` leaves queued alerts in the outbox (when the command failed). */
  close(opts?: { flush?: boolean }): Promise<void>;
}

export { reserveFor } from '../store/space-reserve.js';

/** How a long-running command's kill switch keeps itself fresh (`KillSwitchOptions`' fields of the same names). */
export interface KillSwitchWatch {
  readonly pollMs?: number;
  readonly leaseMs?: number;
  readonly leaseLost?: 'trip' | 'wait';
}

/** The data dir itself: the directory, circuit.json (running) and the space reserve. */
function prepareDataDir(loaded: LoadedConfig): void {
  mkdirSync(loaded.dataDir, { recursive: true });
  if (!existsSync(circuitFilePath(loaded.dataDir))) {
    // Present from the start, so it can be rewritten in place when the disk is full.
    try {
      writeCircuitFile(loaded.dataDir, {
        paused: false,
        reason: null,
        since: null,
        warden_event_id: null,
        by: null,
        source: 'init',
      });
    } catch {
      /* a full disk: trip still halts by the STOP file */
    }
  }
  reserveFor(loaded)?.ensure();
}

/**
 * Creates what a data dir needs: the directory, the SQLite store, circuit.json (running) and
 * the space reserve. Only `warden init` (and `warden trip`, to halt) create anything.
 * Synchronous, SQLite only; `initStore` handles both backends.
 */
export function initDataDir(loaded: LoadedConfig): Store {
  const s = loaded.config.store;
  const path = storePath(loaded.config, loaded.dataDir);
  if (s.kind !== 'sqlite' || path === null)
    throw new StoreError('initDataDir: SQLite only; use initStore for store.kind "postgres"');
  if (statSync(path, { throwIfNoEntry: false })?.size === 0)
    throw new StoreMissingError(
      `store ${path} is empty (0 bytes): corrupt, not new; restore it from a backup, or move it away and run \`warden init\``,
      path,
    );
  mkdirSync(loaded.dataDir, { recursive: true });
  const store = SqliteStore.open(path, { busyTimeoutMs: s.busyTimeoutMs });
  prepareDataDir(loaded);
  return store;
}

/** `initDataDir` for either backend: on PostgreSQL the schema is created or migrated. */
export async function initStore(loaded: LoadedConfig): Promise<Store> {
  if (loaded.config.store.kind === 'sqlite') return initDataDir(loaded);
  const store = await openStore(loaded.config, loaded.dataDir, 'create');
  prepareDataDir(loaded);
  return store;
}

/**
 * Loads the config and opens the store and the alerter. `existing` (the default) never creates
 * the data dir or the store: missing or empty is a `StoreMissingError` (readers: halted).
 * `create` is for `warden trip` only (and init).
 */
export async function openRuntime(
  cmd: Command,
  loadedConfig?: LoadedConfig,
  mode: StoreOpenMode = 'existing',
): Promise<Runtime> {
  const loaded = loadedConfig ?? configFor(cmd);
  const store = mode === 'create' ? await initStore(loaded) : await openStore(loaded.config, loaded.dataDir);
  const alerter = createAlerter(loaded.config, store);
  const fallback = fallbackAlertsFor(loaded.config.alerts.channels, alerter);
  const alerts = {
    alert: (a: Parameters<AlertSink['alert']>[0]) => fallback.alert(a),
    flush: () => alerter.flush(),
    close: () => alerter.close(),
  };
  const reserve = reserveFor(loaded);
  const switches: KillSwitch[] = [];
  return {
    ...loaded,
    store,
    alerts,
    async killSwitch(source: string, watch: KillSwitchWatch = {}) {
      const ks = await KillSwitch.open({
        store,
        dataDir: loaded.dataDir,
        source,
        pollMs: 0,
        ...watch,
        alerts,
        reserve,
        // The watchdog keeps the reserve filled; other commands only release it to record a trip.
        fillReserve: source === 'watchdog',
        flatten: flattenHookFromConfig(loaded, store, { alerts, timers: referencedTimers }),
      });
      switches.push(ks);
      return ks;
    },
    async close(opts = {}) {
      for (const ks of switches) await ks.close();
      // Give queued alerts one chance to go out now; the rest wait in the outbox for the daemon.
      if (opts.flush !== false) await alerter.flush().catch(() => undefined);
      await alerter.close();
      await store.close();
    },
  };
}

/** Runs `fn` with a runtime and always closes it. */
export async function withRuntime<T>(
  cmd: Command,
  fn: (rt: Runtime) => Promise<T>,
  mode: StoreOpenMode = 'existing',
): Promise<T> {
  const rt = await openRuntime(cmd, undefined, mode);
  let ok = false;
  try {
    const r = await fn(rt);
    ok = true;
    return r;
  } finally {
    await rt.close({ flush: ok });
  }
}
