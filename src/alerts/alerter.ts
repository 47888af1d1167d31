import type { AlertChannelConfig } from '../config/index.js';
import type { OutboxAlert, Store } from '../store/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import { equalJitterBackoff, type Backoff } from '../resilience/backoff.js';
import { EventSource, type Disposable, type Listener } from '../util/event.js';
import { AlertOutboxError } from './alert-outbox-error.js';
import { AlerterClosedError } from './alerter-closed-error.js';
import { createNotifiers } from './create-notifiers.js';
import { storedError } from './stored-error.js';
import type {
  AlertFailedEvent,
  AlerterOptions,
  AlertReceipt,
  AlertSentEvent,
  ChannelInfo,
  FlushReport,
} from './alerter-types.js';
import {
  ALERT_SEVERITIES,
  type AlertInput,
  type LogLine,
  type Notifier,
  type Random,
  type SendOutcome,
} from './types.js';

const WINDOW_MS = 60_000;
const EMPTY: FlushReport = Object.freeze({ sent: 0, retrying: 0, failed: 0, held: 0 });

function positiveInt(option: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${option} must be an integer >= 1, got ${value}`);
  return value;
}
function positiveMs(option: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${option} must be a number of ms > 0, got ${value}`);
  return value;
}
const isNotifier = (c: AlertChannelConfig | Notifier): c is Notifier =>
  typeof (c as Notifier).send === 'function';

/**
 * The one thing other modules use to alert. `alert()` records the alert in the store's outbox
 * for every channel first (so a crash loses nothing), then flushes: due alerts are claimed
 * under a lease (so two processes do not double-send), rate-limited per channel, sent, and
 * retried with backoff until `maxAttempts`. Sending never throws into the caller.
 */
export class Alerter {
  readonly #store: Store;
  readonly #notifiers: ReadonlyMap<string, Notifier>;
  readonly #rate: number;
  readonly #maxAttempts: number;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #log: LogLine;
  readonly #leaseMs: number;
  readonly #timeoutMs: number;
  readonly #intervalMs: number;
  /** Equal jitter between `backoffInitialMs` and `backoffMaxMs`: resilience's one backoff formula. */
  readonly #backoff: Backoff;
  readonly #batch: number;
  readonly #sentEvents = new EventSource<AlertSentEvent>();
  readonly #failedEvents = new EventSource<AlertFailedEvent>();
  /** Channel → time before which it is not sent to (an endpoint's retry-after). */
  readonly #blockedUntil = new Map<string, number>();
  readonly #unknownLogged = new Set<string>();
  #flushing: Promise<FlushReport> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #abort = new AbortController();

  constructor(options: AlerterOptions) {
    this.#store = options.store;
    this.#rate = positiveInt('ratePerMinute', options.ratePerMinute);
    this.#maxAttempts = positiveInt('maxAttempts', options.maxAttempts);
    this.#batch = positiveInt('batchSize', options.batchSize ?? 50);
    this.#timeoutMs = positiveMs('timeoutMs', options.timeoutMs ?? 10_000);
    this.#leaseMs = positiveMs('leaseMs', options.leaseMs ?? 60_000);
    if (this.#leaseMs <= this.#timeoutMs)
      throw new RangeError(`leaseMs must exceed timeoutMs (${this.#timeoutMs}), got ${this.#leaseMs}`);
    this.#intervalMs = positiveMs('intervalMs', options.intervalMs ?? 5_000);
    const backoffInitialMs = positiveMs('backoffInitialMs', options.backoffInitialMs ?? 1_000);
    const backoffMaxMs = positiveMs('backoffMaxMs', options.backoffMaxMs ?? 600_000);
    if (backoffMaxMs < backoffInitialMs)
      throw new RangeError(
        `backoffMaxMs must be >= backoffInitialMs (${backoffInitialMs}), got ${backoffMaxMs}`,
      );
    this.#backoff = equalJitterBackoff({ initialMs: backoffInitialMs, maxMs: backoffMaxMs });
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#log = options.log ?? ((line) => void process.stderr.write(`${line}\n`));
    const clock = this.#clock;
    const configs = options.channels.filter((c): c is AlertChannelConfig => !isNotifier(c));
    const built = createNotifiers(configs, {
      env: options.env ?? process.env,
      http: {
        fetch: options.fetch ?? ((url, init) => fetch(url, init)),
        timeoutMs: this.#timeoutMs,
        now: () => clock.now(),
      },
      ...(options.stderr === undefined ? {} : { stderr: options.stderr }),
    });
    const all: Notifier[] = [];
    let next = 0;
    for (const c of options.channels) all.push(isNotifier(c) ? c : (built[next++] as Notifier));
    const map = new Map<string, Notifier>();
    for (const n of all) {
      if (map.has(n.name))
        throw new RangeError(`channels: two channels are named "${n.name}"; give each a unique name`);
      map.set(n.name, n);
    }
    this.#notifiers = map;
    for (const n of all)
      if (n.problem !== null) this.#log(`warden alerts: channel ${n.name} cannot send: ${n.problem}`);
  }

  /** The configured channels, with any problem that stops them sending. */
  get channels(): readonly ChannelInfo[] {
    return [...this.#notifiers.values()].map((n) => ({ name: n.name, type: n.type, problem: n.problem }));
  }

  /**
   * Records the alert in the outbox for every channel, then starts a flush. `key` is the
   * incident key: a second alert with a key already recorded on a channel is not sent again
   * there. Rejects only when the store cannot record it (`AlertOutboxError`) or after `close()`.
   */
  async alert(input: AlertInput): Promise<AlertReceipt> {
    if (this.#closed) throw new AlerterClosedError();
    if (typeof input.key !== 'string' || input.key === '')
      throw new RangeError(`alert key must be a non-empty string, got ${JSON.stringify(input.key)}`);
    if (!ALERT_SEVERITIES.includes(input.severity))
      throw new RangeError(
        `alert severity must be info, warning or critical, got ${JSON.stringify(input.severity)}`,
      );
    if (typeof input.title !== 'string' || input.title.trim() === '')
      throw new RangeError(`alert title must be a non-empty string, got ${JSON.stringify(input.title)}`);
    if (typeof input.body !== 'string')
      throw new RangeError(`alert body must be a string, got ${typeof input.body}`);
    const at = this.#clock.now();
    const queued: string[] = [];
    const duplicate: string[] = [];
    for (const name of this.#notifiers.keys()) {
      let row: OutboxAlert | null;
      try {
        row = await this.#store.alerts.enqueue({
          channel: name,
          dedupeKey: input.key,
          severity: input.severity,
          title: input.title,
          body: input.body,
          createdAt: at,
        });
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        // What was recorded still goes out.
        if (queued.length > 0) void this.flush();
        throw new AlertOutboxError(
          `alert "${input.title}" (key ${input.key}) could not be recorded in the outbox for channel ${name}` +
            `${queued.length > 0 ? ` (recorded for ${queued.join(', ')})` : ''}: ${why}`,
          { cause: err },
        );
      }
      (row === null ? duplicate : queued).push(name);
    }
    const delivered = queued.length > 0 ? this.flush() : Promise.resolve(EMPTY);
    return { queued, duplicate, delivered };
  }

  /**
   * Sends what is due now. Concurrent calls share one run (a call during a run triggers one
   * more round). Never rejects: store and channel errors are logged and counted.
   */
  flush(): Promise<FlushReport> {
    if (this.#flushing !== null) {
      this.#again = true;
      return this.#flushing;
    }
    // #run clears #flushing itself, in the same tick as its last look at #again.
    const run = this.#run();
    this.#flushing = run;
    return run;
  }

  /** Flushes every `intervalMs` on an unref'd timer until `close()`. */
  start(): void {
    if (this.#closed) throw new AlerterClosedError();
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => void this.flush(), this.#intervalMs);
    this.#timer.unref();
    void this.flush();
  }

  /** Stops the loop and waits for the flush in progress to drain what is due (each send is bounded by `timeoutMs`). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#flushing !== null) await this.#flushing;
    this.#abort.abort();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Called after each delivered alert. */
  onSent(listener: Listener<AlertSentEvent>): Disposable {
    return this.#sentEvents.subscribe(listener);
  }

  /** Called after each failed attempt (`final` when the alert is given up). */
  onFailed(listener: Listener<AlertFailedEvent>): Disposable {
    return this.#failedEvents.subscribe(listener);
  }

  async #run(): Promise<FlushReport> {
    const total = { sent: 0, retrying: 0, failed: 0, held: 0 };
    // Let flush() record this run before anything below can finish it (a store that throws synchronously).
    await Promise.resolve();
    try {
      do {
        this.#again = false;
        // Rounds continue while full batches make progress, so a backlog drains in one flush.
        for (let round = 0; round < 20; round++) {
          const r = await this.#round();
          total.sent += r.report.sent;
          total.retrying += r.report.retrying;
          total.failed += r.report.failed;
          total.held += r.report.held;
          if (r.claimed < this.#batch || r.report.sent + r.report.failed + r.report.retrying === 0) break;
        }
      } while (this.#again);
    } catch (err) {
      this.#log(`warden alerts: flush stopped: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.#flushing = null;
    return total;
  }

  async #round(): Promise<{ claimed: number; report: FlushReport }> {
    const claimedAt = this.#clock.now();
    const due = await this.#store.alerts.claimDue(claimedAt, this.#batch, this.#leaseMs);
    const byChannel = new Map<string, OutboxAlert[]>();
    for (const a of due) {
      const list = byChannel.get(a.channel);
      if (list === undefined) byChannel.set(a.channel, [a]);
      else list.push(a);
    }
    const reports = await Promise.all(
      [...byChannel].map(([name, alerts]) => this.#sendChannel(name, alerts, claimedAt)),
    );
    const report = { sent: 0, retrying: 0, failed: 0, held: 0 };
    for (const r of reports) {
      report.sent += r.sent;
      report.retrying += r.retrying;
      report.failed += r.failed;
      report.held += r.held;
    }
    return { claimed: due.length, report };
  }

  /** Sends one channel's claimed alerts in order; what it does not send stays leased and comes back later. */
  async #sendChannel(name: string, alerts: readonly OutboxAlert[], claimedAt: number): Promise<FlushReport> {
    const r = { sent: 0, retrying: 0, failed: 0, held: 0 };
    const notifier = this.#notifiers.get(name);
    if (notifier === undefined) {
      if (!this.#unknownLogged.has(name)) {
        this.#unknownLogged.add(name);
        this.#log(
          `warden alerts: outbox holds alerts for channel ${name}, which is not configured here; left for another process`,
        );
      }
      r.held = alerts.length;
      return r;
    }
    const now0 = this.#clock.now();
    let budget = this.#rate - (await this.#store.alerts.countSentSince(name, now0 - WINDOW_MS));
    for (let i = 0; i < alerts.length; i++) {
      const a = alerts[i] as OutboxAlert;
      const now = this.#clock.now();
      const blocked = (this.#blockedUntil.get(name) ?? 0) > now;
      // Stop before the lease could run out mid-send: another process may then claim it.
      const leaseLeft = claimedAt + this.#leaseMs - now > this.#timeoutMs;
      if (budget <= 0 || blocked || !leaseLeft) {
        r.held += alerts.length - i;
        break;
      }
      budget--;
      const outcome = await this.#sendOne(notifier, a);
      if (outcome === 'sent') r.sent++;
      else if (outcome === 'failed') r.failed++;
      else {
        r.retrying++;
        // The channel is failing: leave the rest of its batch for the next attempt.
        r.held += alerts.length - i - 1;
        break;
      }
    }
    return r;
  }

  async #sendOne(notifier: Notifier, a: OutboxAlert): Promise<'sent' | 'retrying' | 'failed'> {
    const message = {
      key: a.dedupeKey ?? `outbox:${a.id}`,
      severity: a.severity,
      title: a.title,
      body: a.body,
      at: a.createdAt,
    };
    let outcome: SendOutcome;
    try {
      outcome = await notifier.send(message, this.#abort.signal);
    } catch (err) {
      outcome = {
        kind: 'retry',
        error: `notifier threw: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    const now = this.#clock.now();
    const attempt = a.attempts + 1;
    if (outcome.kind === 'sent') {
      await this.#store.alerts.markSent(a.id, now);
      if (this.#sentEvents.size > 0) this.#sentEvents.emit({ alert: a, at: now });
      return 'sent';
    }
    const error = storedError(outcome.error, notifier.redact?.bind(notifier));
    let next: number | null = null;
    if (outcome.kind === 'retry' && attempt < this.#maxAttempts) {
      // `attempt` is 1-based here; a backoff counts the wait after the first failure as 0.
      const wait = outcome.retryAfterMs ?? Math.round(this.#backoff.delay(attempt - 1, 0, this.#random));
      next = now + wait;
      if (outcome.retryAfterMs !== undefined) this.#blockedUntil.set(notifier.name, next);
    }
    await this.#store.alerts.markFailed(a.id, error, next);
    const final = next === null;
    this.#log(
      `warden alerts: ${notifier.name}: alert ${a.id} (key ${message.key}) attempt ${attempt}/${this.#maxAttempts} failed: ${error}` +
        (final ? '; given up' : `; retry at ${new Date(next ?? 0).toISOString()}`),
    );
    if (this.#failedEvents.size > 0)
      this.#failedEvents.emit({ alert: a, error, attempt, final, nextAttemptAt: next });
    return final ? 'failed' : 'retrying';
  }
}
