import type { LoadedConfig } from '../config/index.js';
import type { Exchange } from '../exchange/index.js';
import type { ExecutorOptions } from '../orders/index.js';
import type { CircuitBreaker, Timers } from '../resilience/index.js';
import type { AlertSink } from '../util/alert-sink.js';
import type { Clock } from '../util/clock.js';

/** Options of `openWarden`. */
export interface OpenWardenOptions {
  /** The config file (default `warden.config.json`, defaults when absent), or a config already loaded. */
  readonly config?: string | LoadedConfig;
  /** Wins over the config's data dir and WARDEN_DATA_DIR. */
  readonly dataDir?: string;
  /** The venue's symbols the bot trades: an intent for any other is refused before anything is stored. */
  readonly symbols: readonly string[];
  /** The venue. Default: the config's `exchange` section (closed by `close()`); one of the two is required. */
  readonly exchange?: Exchange;
  /** The bot's heartbeat name. Default `watchdog.botHeartbeat` of the config, else `bot`. */
  readonly name?: string;
  /** Recorded with the kill switch's trips and resumes. Default `bot`. */
  readonly source?: string;
  /** Checkpoints: directory (relative to the data dir, default `checkpoints`), how many kept, background period. */
  readonly checkpoints?: { readonly dir?: string; readonly keep?: number; readonly intervalMs?: number };
  /** The bot's own state, saved in every checkpoint (`warden.restored?.bot` gives it back on the next open). */
  readonly state?: () => unknown;
  /** Reconcile with the venue in `openWarden` (default true); false: call `reconcile()` yourself (new risk is denied until it succeeds). */
  readonly reconcileOnOpen?: boolean;
  /** Where the reconciliation report is printed. Default stderr; null: not printed. */
  readonly print?: ((text: string) => void) | null;
  /** Alerts go here instead of the config's channels (through the store's outbox). */
  readonly alerts?: AlertSink;
  /** The exchange's dependency breaker. Default: 5 dependency failures in a row, open 30 s. */
  readonly breaker?: CircuitBreaker;
  /** Executor settings (lease, lookups, clock margin, rejected-order alerts, random). */
  readonly executor?: Partial<
    Pick<
      ExecutorOptions,
      | 'leaseMs'
      | 'lookupAttempts'
      | 'lookupBackoff'
      | 'clockMarginMs'
      | 'rejectedAlertWindowMs'
      | 'dlqAlertThreshold'
      | 'clientOrderId'
      | 'random'
    >
  >;
  /** How often the decision log's head is written to the store at most (ms). Default 1000. */
  readonly anchorEveryMs?: number;
  /** How often the degradation mode is rewritten to the store though it did not change (ms). Default 10 000. */
  readonly modeRefreshMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly timers?: Timers;
}
