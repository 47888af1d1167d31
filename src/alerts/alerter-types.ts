import type { AlertChannelConfig } from '../config/index.js';
import type { OutboxAlert, Store } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import type { ChannelType, Env, FetchLike, LogLine, Notifier, Random } from './types.js';

/** Options of an `Alerter`. */
export interface AlerterOptions {
  readonly store: Store;
  /** The validated `alerts.channels` of the config; ready-made notifiers are accepted too. */
  readonly channels: readonly (AlertChannelConfig | Notifier)[];
  /** At most this many sends per channel in any 60 s; the rest wait in the outbox. */
  readonly ratePerMinute: number;
  /** An alert is marked failed for good after this many failed sends. */
  readonly maxAttempts: number;
  readonly clock?: Clock;
  /** Jitter for the backoff. Default `Math.random`. */
  readonly random?: Random;
  /** Where secrets are read from. Default `process.env`. */
  readonly env?: Env;
  /** Default the global `fetch`. */
  readonly fetch?: FetchLike;
  /** The alerter's own log lines (failures, retries). Default: stderr. Never given a secret. */
  readonly log?: LogLine;
  /** Where the stderr channel writes. Default `process.stderr`. */
  readonly stderr?: (line: string) => void;
  /** Per-request timeout (ms). Default 10,000. */
  readonly timeoutMs?: number;
  /** How long a claimed alert is leased to this process (ms); must exceed `timeoutMs`. Default 60,000. */
  readonly leaseMs?: number;
  /** Period of the background loop started by `start()` (ms). Default 5,000. */
  readonly intervalMs?: number;
  /** The wait after the first failure (ms). Default 1,000. */
  readonly backoffInitialMs?: number;
  /** The longest wait between attempts (ms). Default 600,000. */
  readonly backoffMaxMs?: number;
  /** At most this many alerts claimed per round. Default 50. */
  readonly batchSize?: number;
}

/** What `alert()` did. */
export interface AlertReceipt {
  /** Channels the alert was newly recorded for. */
  readonly queued: readonly string[];
  /** Channels that already had an alert with this key (same incident): nothing new recorded. */
  readonly duplicate: readonly string[];
  /** Settles when the flush this alert triggered is over. Never rejects. */
  readonly delivered: Promise<FlushReport>;
}

/** What one `flush()` did. */
export interface FlushReport {
  readonly sent: number;
  /** Failed attempts that will be retried. */
  readonly retrying: number;
  /** Alerts marked failed for good. */
  readonly failed: number;
  /** Alerts claimed but left for later (rate limit, channel backing off or unknown here). */
  readonly held: number;
}

/** An alert was delivered on a channel. */
export interface AlertSentEvent {
  readonly alert: OutboxAlert;
  readonly at: number;
}

/** A send failed; `final` when the alert will not be retried. */
export interface AlertFailedEvent {
  readonly alert: OutboxAlert;
  readonly error: string;
  /** 1-based number of this attempt. */
  readonly attempt: number;
  readonly final: boolean;
  readonly nextAttemptAt: number | null;
}

/** One channel as the alerter sees it. */
export interface ChannelInfo {
  readonly name: string;
  readonly type: ChannelType;
  /** Why it cannot send (a secret's env var is not set...), or null. */
  readonly problem: string | null;
}
