import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { configFor } from './context.js';
import type { LoadedConfig } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';
import { KillSwitch, commandFlattenHook } from '../killswitch/index.js';
import type { AlertSink } from '../util/alert-sink.js';
import { createAlerter } from '../alerts/index.js';

/** What a command that touches the store needs, opened once and closed once. */
export interface Runtime extends LoadedConfig {
  readonly store: Store;
  readonly alerts: AlertSink & { flush(): Promise<unknown>; close(): Promise<void> };
  killSwitch(source: string): Promise<KillSwitch>;
  /** Closes everything; `flush: false` leaves queued alerts in the outbox (when the command failed). */
  close(opts?: { flush?: boolean }): Promise<void>;
}

/** Loads the config, makes the data dir, opens the store and the alerter. */
export async function openRuntime(cmd: Command, loadedConfig?: LoadedConfig): Promise<Runtime> {
  const loaded = loadedConfig ?? configFor(cmd);
  mkdirSync(loaded.dataDir, { recursive: true });
  const store = await openStore(loaded.config, loaded.dataDir);
  const alerts = createAlerter(loaded.config, store);
  const switches: KillSwitch[] = [];
  return {
    ...loaded,
    store,
    alerts,
    async killSwitch(source: string) {
      const ks = await KillSwitch.open({
        store,
        dataDir: loaded.dataDir,
        source,
        pollMs: 0,
        alerts,
        flatten: loaded.config.killSwitch.flattenCommand
          ? commandFlattenHook(
              loaded.config.killSwitch.flattenCommand,
              loaded.config.killSwitch.flattenTimeoutSec * 1000,
            )
          : undefined,
      });
      switches.push(ks);
      return ks;
    },
    async close(opts = {}) {
      for (const ks of switches) await ks.close();
      // Give queued alerts one chance to go out now; the rest wait in the outbox for the daemon.
      if (opts.flush !== false) await alerts.flush().catch(() => undefined);
      await alerts.close();
      await store.close();
    },
  };
}

/** Runs `fn` with a runtime and always closes it. */
export async function withRuntime<T>(cmd: Command, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await openRuntime(cmd);
  let ok = false;
  try {
    const r = await fn(rt);
    ok = true;
    return r;
  } finally {
    await rt.close({ flush: ok });
  }
}
