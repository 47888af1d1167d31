import type { AlertChannelConfig } from '../config/index.js';
import { createNotifiers } from '../alerts/create-notifiers.js';
import type { Notifier } from '../alerts/types.js';
import type { AlertInput, AlertSink } from '../util/alert-sink.js';

/** Options of `FallbackAlerts`. */
export interface FallbackAlertsOptions {
  /** The normal path: the Alerter, which records in the outbox first. */
  readonly outbox: AlertSink | null;
  /** The channels to send to directly when the outbox cannot take an alert. */
  readonly notifiers: readonly Notifier[];
  /** Where the loud line goes (stderr by default). */
  readonly shout?: (line: string) => void;
  readonly now?: () => number;
  /** Bound on each direct send (ms). */
  readonly timeoutMs?: number;
}

/** What a direct send did, per channel. */
export interface MemoryDelivery {
  readonly fromMemory: true;
  readonly channels: ReadonlyArray<{ readonly name: string; readonly outcome: string }>;
}

/**
 * An alert sink that never loses an alert to a store that cannot be written: it goes through
 * the outbox as usual, and when the outbox rejects it (full disk, read-only, no store at all)
 * it is sent straight from memory to every channel, once per key, and shouted on stderr.
 */
export class FallbackAlerts implements AlertSink {
  readonly #outbox: AlertSink | null;
  readonly #notifiers: readonly Notifier[];
  readonly #shout: (line: string) => void;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #sent = new Set<string>();

  constructor(opts: FallbackAlertsOptions) {
    this.#outbox = opts.outbox;
    this.#notifiers = opts.notifiers;
    this.#shout = opts.shout ?? ((l) => void process.stderr.write(`${l}\n`));
    this.#now = opts.now ?? Date.now;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** Records and sends through the outbox; on failure sends from memory. Never rejects. */
  async alert(input: AlertInput): Promise<unknown> {
    if (this.#outbox !== null) {
      try {
        return await this.#outbox.alert(input);
      } catch (err) {
        return this.#direct(input, (err as Error).message);
      }
    }
    return this.#direct(input, 'no store');
  }

  async #direct(input: AlertInput, why: string): Promise<MemoryDelivery> {
    const channels: { name: string; outcome: string }[] = [];
    if (this.#sent.has(input.key)) return { fromMemory: true, channels };
    if (this.#sent.size > 1000) this.#sent.clear();
    this.#sent.add(input.key);
    const message = { ...input, at: this.#now() };
    await Promise.all(
      this.#notifiers.map(async (n) => {
        if (n.problem !== null) return channels.push({ name: n.name, outcome: `skipped: ${n.problem}` });
        try {
          const o = await n.send(message, AbortSignal.timeout(this.#timeoutMs));
          channels.push({ name: n.name, outcome: o.kind === 'sent' ? 'sent' : `${o.kind}: ${o.error}` });
        } catch (err) {
          channels.push({ name: n.name, outcome: `threw: ${(err as Error).message}` });
        }
      }),
    );
    this.#shout(
      `warden: ALERT SENT FROM MEMORY (the outbox cannot record it: ${why}) [${input.severity}] ${input.title}: ${input.body.replace(/\s*\n\s*/g, ' | ')} -> ${channels.map((c) => `${c.name}: ${c.outcome}`).join(', ') || 'no channel'}`,
    );
    return { fromMemory: true, channels };
  }
}

/** A `FallbackAlerts` for the config's channels (secrets from `env`). */
export function fallbackAlertsFor(
  channels: readonly AlertChannelConfig[],
  outbox: AlertSink | null,
  env: Readonly<Record<string, string | undefined>> = process.env,
): FallbackAlerts {
  const notifiers = createNotifiers(channels, {
    env,
    http: { fetch: (url, init) => fetch(url, init), timeoutMs: 10_000, now: () => Date.now() },
  });
  return new FallbackAlerts({ outbox, notifiers });
}
