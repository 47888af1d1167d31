import type { AlertSeverity } from '../store/index.js';

export type { AlertSeverity } from '../store/index.js';

/** The kinds of channel Warden can send to. */
export type ChannelType = 'telegram' | 'slack' | 'discord' | 'webhook' | 'stderr';

/** The severities `alert()` accepts, in rising order. */
export const ALERT_SEVERITIES: readonly AlertSeverity[] = Object.freeze(['info', 'warning', 'critical']);

/** What a caller asks to be told. */
export interface AlertInput {
  /** The incident key: one alert per key per channel, ever (e.g. `heartbeat:bot:late:1732440000000`). */
  readonly key: string;
  readonly severity: AlertSeverity;
  /** One line. */
  readonly title: string;
  /** Free text; may be several lines. */
  readonly body: string;
}

/** One alert as a notifier sends it. */
export interface AlertMessage extends AlertInput {
  /** When the alert was recorded (ms since the epoch). */
  readonly at: number;
}

/** The outcome of one send: delivered, worth retrying, or never going to work. */
export type SendOutcome =
  | { readonly kind: 'sent' }
  /** Network error, timeout, 5xx, 429. `retryAfterMs` is the endpoint's own instruction, when it gave one. */
  | { readonly kind: 'retry'; readonly error: string; readonly retryAfterMs?: number }
  /** A 4xx other than 429, a missing secret: mark failed at once. */
  | { readonly kind: 'fail'; readonly error: string };

/** Sends alerts to one channel. `send` never throws and never puts a secret in an error. */
export interface Notifier {
  /** The channel's name, as recorded in the outbox. */
  readonly name: string;
  readonly type: ChannelType;
  /** Why this channel cannot send (a secret's env var is not set...), or null when it can. */
  readonly problem: string | null;
  send(message: AlertMessage, signal: AbortSignal): Promise<SendOutcome>;
  /** Masks this channel's secrets in `text` (the alerter applies it to every error it records). */
  redact?(text: string): string;
}

/** The `fetch` the HTTP notifiers use (the global one by default). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** A source of uniform random numbers in [0, 1); injected so tests are deterministic. */
export type { Random } from '../util/random.js';

/** Environment variables (for secrets); `process.env` by default. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Where the alerter writes its own operational log lines (never a secret); stderr by default. */
export type LogLine = (line: string) => void;
