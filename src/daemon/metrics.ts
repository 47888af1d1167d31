import { Counter, Gauge, Registry } from 'prom-client';
import type { KillSwitch } from '../killswitch/index.js';
import type { Store } from '../store/index.js';
import type { HeartbeatExpectation } from '../config/index.js';
import type { DeadLetterQueue } from '../orders/index.js';
import { DLQ_STATUSES } from '../orders/index.js';
import type { DecisionLog } from '../decisions/index.js';
import { isSection, sectionKeyOf, type StrategyBreaker } from '../strategy/index.js';
import { systemClock, type Clock } from '../util/clock.js';

/** `fn`, shared by the callers that ask while one call is in flight (one read per scrape). */
function shared<T>(fn: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () =>
    (inFlight ??= fn().finally(() => {
      inFlight = null;
    }));
}

/** Most strategy keys exported per scrape (labels must stay bounded); the rest are counted, not labelled. */
export const DEFAULT_MAX_STRATEGY_KEYS = 200;

const STRATEGY_STATUSES = ['active', 'blocked', 'monitor'] as const;

/** What the metrics read on each scrape. */
export interface DaemonMetricsOptions {
  readonly killSwitch: KillSwitch;
  readonly store: Store;
  /** Configured heartbeats: their names are the only `name` label values. */
  readonly heartbeats: readonly HeartbeatExpectation[];
  /** The strategy breaker's state (its `document()`: the file, or the store in fleet mode). */
  readonly strategy?: StrategySource;
  readonly dlq?: DeadLetterQueue;
  readonly decisions?: DecisionLog;
  /** Alert channel names: the only `channel` label values. */
  readonly channels?: readonly string[];
  readonly maxStrategyKeys?: number;
  readonly clock?: Clock;
}

type StrategySource = { readonly breaker: Pick<StrategyBreaker, 'document'>; readonly stateKey: string };

/** The strategy keys of one scrape: the first `maxKeys` (sorted) with their entries, and how many there are. */
type StrategyEntries = { readonly total: number; readonly entries: [string, Record<string, unknown>][] };

/**
 * The daemon's Prometheus metrics (prom-client, its own registry). Gauges are read when
 * scraped, from the same state the API serves; counters are pushed by the daemon's events.
 * Label sets are bounded: heartbeat names and channels come from the config, strategy keys
 * are capped at `maxStrategyKeys` (sorted; `warden_strategy_keys` gives the full count).
 * The metrics are registered in the order they are exported, one step per area.
 */
export class DaemonMetrics {
  readonly registry = new Registry();
  readonly #alertsSent: Counter<'channel'>;
  readonly #alertsFailed: Counter<'channel' | 'final'>;
  readonly #alertChannel: (c: string) => string;
  readonly #transitions: Counter<'to'>;
  readonly #evalDuration: Gauge;
  readonly #evalLastSuccess: Gauge;
  #lastEvalSuccessMs: number | null = null;

  constructor(o: DaemonMetricsOptions) {
    const reg = this.registry;
    const maxKeys = o.maxStrategyKeys ?? DEFAULT_MAX_STRATEGY_KEYS;
    if (!(Number.isInteger(maxKeys) && maxKeys >= 0))
      throw new RangeError(`maxStrategyKeys: expected an integer >= 0, got ${maxKeys}`);
    const channels = new Set(o.channels ?? []);

    registerHalted(reg, o.killSwitch);
    registerHeartbeats(reg, o.store, o.heartbeats, o.clock ?? systemClock);
    if (o.strategy) registerStrategyGauges(reg, o.strategy, maxKeys);
    this.#transitions = new Counter({
      name: 'warden_strategy_transitions_total',
      help: "Strategy breaker transitions seen by the daemon's evaluations, by the status entered",
      labelNames: ['to'],
      registers: [reg],
    });
    if (o.dlq) registerDlqEntries(reg, o.dlq);
    const alerts = registerAlertCounters(reg, channels);
    this.#alertsSent = alerts.sent;
    this.#alertsFailed = alerts.failed;
    this.#alertChannel = (c) => (channels.has(c) ? c : 'other');
    if (o.decisions) registerDecisionHead(reg, o.decisions);
    this.#evalDuration = new Gauge({
      name: 'warden_strategy_evaluation_duration_seconds',
      help: 'How long the last strategy evaluation run by the daemon took',
      registers: [reg],
    });
    this.#evalLastSuccess = registerEvaluationLastSuccess(reg, () => this.#lastEvalSuccessMs, o.strategy);
  }

  /** Counts an alert delivered on `channel`. */
  alertSent(channel: string): void {
    this.#alertsSent.inc({ channel: this.#alertChannel(channel) });
  }

  /** Counts a failed send on `channel`. */
  alertFailed(channel: string, final: boolean): void {
    this.#alertsFailed.inc({ channel: this.#alertChannel(channel), final: String(final) });
  }

  /** Counts a strategy entering `to` (`blocked` on a trip, `active` on a recovery). */
  strategyTransition(to: 'blocked' | 'active'): void {
    this.#transitions.inc({ to });
  }

  /** Records one evaluation run: its duration, and its end time when it succeeded. */
  evaluation(durationMs: number, ok: boolean, endedAtMs: number): void {
    this.#evalDuration.set(durationMs / 1000);
    if (ok) {
      this.#lastEvalSuccessMs = endedAtMs;
      this.#evalLastSuccess.set(endedAtMs / 1000);
    }
  }
}

/** `warden_halted`: the kill switch's cached state. */
function registerHalted(reg: Registry, killSwitch: KillSwitch): void {
  new Gauge({
    name: 'warden_halted',
    help: '1 when trading is halted (kill switch, STOP file, circuit.json, unreadable state), else 0',
    registers: [reg],
    collect() {
      this.set(killSwitch.isHalted() ? 1 : 0);
    },
  });
}

/** Each configured heartbeat's age (one store read per scrape) and, for periodic ones, its limit. */
function registerHeartbeats(
  reg: Registry,
  store: Store,
  heartbeats: readonly HeartbeatExpectation[],
  clock: Clock,
): void {
  const names = heartbeats.map((h) => h.name);
  const limits = new Map(
    heartbeats.filter((h) => h.periodSec !== undefined).map((h) => [h.name, h.periodSec! + h.graceSec]),
  );
  new Gauge({
    name: 'warden_heartbeat_age_seconds',
    help: 'Seconds since the store received the last report of each configured heartbeat',
    labelNames: ['name'],
    registers: [reg],
    async collect() {
      this.reset();
      const now = clock.now();
      const byName = new Map((await store.heartbeats.list()).map((h) => [h.name, h]));
      for (const n of names) {
        const h = byName.get(n);
        if (h) this.set({ name: n }, Math.max(0, (now - h.receivedAt) / 1000));
      }
    },
  });
  new Gauge({
    name: 'warden_heartbeat_max_age_seconds',
    help: 'How old a periodic heartbeat may get (periodSec + graceSec) before it counts as late',
    labelNames: ['name'],
    registers: [reg],
    collect() {
      for (const [n, s] of limits) this.set({ name: n }, s);
    },
  });
}

/** The strategy state's document, or null when it cannot be read (one promise, as the inline read was). */
function strategyDoc(s: StrategySource): Promise<Record<string, unknown> | null> {
  return s.breaker.document().then(
    (d) => (d.status === 'ok' ? d.doc : null),
    () => null,
  );
}

const NO_ENTRIES = (): StrategyEntries => ({ total: 0, entries: [] });

/** The state key's section of `doc`: its first `maxKeys` keys (sorted) that hold an entry. */
function strategyEntries(
  doc: Record<string, unknown> | null,
  stateKey: string,
  maxKeys: number,
): StrategyEntries {
  if (doc === null) return NO_ENTRIES();
  const section = isSection(doc) ? doc[sectionKeyOf(doc, stateKey)] : null;
  if (!isSection(section)) return NO_ENTRIES();
  const all = Object.keys(section).sort();
  const out: [string, Record<string, unknown>][] = [];
  for (const k of all.slice(0, maxKeys)) {
    const e = section[k];
    if (isSection(e)) out.push([k, e]);
  }
  return { total: all.length, entries: out };
}

/** Each strategy key's status, ROI and trades, and the key count; one read of the state per scrape. */
function registerStrategyGauges(reg: Registry, s: StrategySource, maxKeys: number): void {
  // Every strategy gauge is collected concurrently in one scrape: they share one read of the file.
  const entries = shared(async () => strategyEntries(await strategyDoc(s), s.stateKey, maxKeys));
  new Gauge({
    name: 'warden_strategy_status',
    help: `1 for each strategy key's current status (${STRATEGY_STATUSES.join(', ')}); at most ${maxKeys} keys`,
    labelNames: ['key', 'status'],
    registers: [reg],
    async collect() {
      this.reset();
      for (const [k, e] of (await entries()).entries)
        for (const st of STRATEGY_STATUSES) this.set({ key: k, status: st }, e['status'] === st ? 1 : 0);
    },
  });
  registerStrategyField(
    reg,
    entries,
    'warden_strategy_roi_ratio',
    'ROI over the evaluation window per strategy key (0.05 = 5%)',
    'roi_30d',
  );
  registerStrategyField(
    reg,
    entries,
    'warden_strategy_trades',
    'Resolved trades in the evaluation window per strategy key',
    'n_30d',
  );
  new Gauge({
    name: 'warden_strategy_keys',
    help: 'Strategy keys in the state file (all of them, including those past the label cap)',
    registers: [reg],
    async collect() {
      this.set((await entries()).total);
    },
  });
}

/** A gauge of one numeric field of each strategy entry (an entry without a finite number is left out). */
function registerStrategyField(
  reg: Registry,
  entries: () => Promise<StrategyEntries>,
  name: string,
  help: string,
  field: string,
): void {
  new Gauge({
    name,
    help,
    labelNames: ['key'],
    registers: [reg],
    async collect() {
      this.reset();
      for (const [k, e] of (await entries()).entries)
        if (typeof e[field] === 'number' && Number.isFinite(e[field])) this.set({ key: k }, e[field]);
    },
  });
}

/** `warden_dlq_entries`: the DLQ's entries counted by status (every status, 0 included). */
function registerDlqEntries(reg: Registry, dlq: DeadLetterQueue): void {
  new Gauge({
    name: 'warden_dlq_entries',
    help: 'Dead-letter queue entries by status',
    labelNames: ['status'],
    registers: [reg],
    async collect() {
      const counts = new Map<string, number>(DLQ_STATUSES.map((st) => [st, 0]));
      for (const e of await dlq.list({ limit: 1_000_000 }))
        counts.set(e.status, (counts.get(e.status) ?? 0) + 1);
      for (const [st, c] of counts) this.set({ status: st }, c);
    },
  });
}

/** The alert counters, with every configured channel's series present at 0 from the start. */
function registerAlertCounters(
  reg: Registry,
  channels: ReadonlySet<string>,
): { sent: Counter<'channel'>; failed: Counter<'channel' | 'final'> } {
  const sent = new Counter({
    name: 'warden_alerts_sent_total',
    help: 'Alerts delivered, by channel',
    labelNames: ['channel'],
    registers: [reg],
  });
  const failed = new Counter({
    name: 'warden_alerts_failed_total',
    help: 'Alert send attempts that failed, by channel; final="true" when the alert will not be retried',
    labelNames: ['channel', 'final'],
    registers: [reg],
  });
  for (const c of channels) {
    sent.inc({ channel: c }, 0);
    failed.inc({ channel: c, final: 'false' }, 0);
    failed.inc({ channel: c, final: 'true' }, 0);
  }
  return { sent, failed };
}

/** `warden_decision_log_head_seq`: the decision log's durable head. */
function registerDecisionHead(reg: Registry, log: DecisionLog): void {
  new Gauge({
    name: 'warden_decision_log_head_seq',
    help: 'Sequence number of the last durable line of the decision log',
    registers: [reg],
    collect() {
      this.set(log.durableHead.seq);
    },
  });
}

/**
 * When the last evaluation succeeded: the daemon's own last success (`lastSuccess()`), else the
 * state document's `as_of_unix`; no state and no run: no value.
 */
function registerEvaluationLastSuccess(
  reg: Registry,
  lastSuccess: () => number | null,
  strategy: StrategySource | undefined,
): Gauge {
  return new Gauge({
    name: 'warden_strategy_evaluation_last_success_timestamp_seconds',
    help: 'When the last strategy evaluation succeeded (Unix seconds; from the state file when the daemon has not run one)',
    registers: [reg],
    async collect() {
      let ms = lastSuccess();
      if (ms === null && strategy) {
        const v = (await strategyDoc(strategy))?.['as_of_unix']; // no state: no success to report
        if (typeof v === 'number') ms = v * 1000;
      }
      if (ms !== null) this.set(ms / 1000);
    },
  });
}
