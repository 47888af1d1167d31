import { existsSync, statSync, unlinkSync, watch, type FSWatcher } from 'node:fs';
import { hostname } from 'node:os';
import type { Store, KillSwitchEvent } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { nullAlertSink, type AlertSink } from '../util/alert-sink.js';
import {
  ALLOW_CANCEL,
  ALLOW_REDUCE,
  ALLOW_RUNNING,
  DENY_HALTED,
  type HaltDecision,
  type HaltState,
  type OrderEffect,
} from './halt-state.js';
import { ResumeRefusedError } from './errors.js';
import { CIRCUIT_FILE, STOP_FILE, readCircuitFile, stopFilePath, writeCircuitFile } from './files.js';
import type { FlattenHook, FlattenResult } from './flatten.js';

/** Options of a KillSwitch. */
export interface KillSwitchOptions {
  readonly store: Store;
  /** Where STOP and circuit.json live. */
  readonly dataDir: string;
  /** Where calls come from, recorded with every trip and resume (`library`, `cli`, `watchdog`...). */
  readonly source?: string;
  /** Re-read the store this often (ms) on an unref'd timer; the data dir is also watched. 0 = never. */
  readonly pollMs?: number;
  readonly flatten?: FlattenHook;
  readonly alerts?: AlertSink;
  readonly clock?: Clock;
}

/** Arguments of a trip. */
export interface TripRequest {
  readonly reason: string;
  /** Who or what tripped it; defaults to the source. */
  readonly by?: string;
  readonly flatten?: boolean;
}

/** Arguments of a resume: both are required. */
export interface ResumeRequest {
  readonly reason: string;
  readonly by: string;
}

/** The outcome of a trip. */
export interface TripResult {
  readonly event: KillSwitchEvent;
  readonly flatten: FlattenResult | null;
}

type Listener = (state: HaltState) => void;

/**
 * The kill switch: automatic pause, manual resume. The hot path (`isHalted()`, `allows()`) reads
 * a cached state and makes no system call; the cache is refreshed on a watch of the data dir
 * and on an unref'd poll. Any failure to read the state counts as halted (fail closed).
 */
export class KillSwitch {
  readonly #store: Store;
  readonly #dataDir: string;
  readonly #source: string;
  readonly #flatten: FlattenHook | undefined;
  readonly #alerts: AlertSink;
  readonly #clock: Clock;
  #state: HaltState;
  #timer: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  #listeners: Listener[] = [];
  #refreshing: Promise<HaltState> | null = null;
  #refreshAgain = false;
  #closed = false;

  /** Creates a kill switch and reads its state once before returning (halted until read). */
  static async open(opts: KillSwitchOptions): Promise<KillSwitch> {
    const ks = new KillSwitch(opts);
    await ks.refresh();
    ks.#startWatching(opts.pollMs ?? 1000);
    return ks;
  }

  private constructor(opts: KillSwitchOptions) {
    if (opts.pollMs !== undefined && !(opts.pollMs >= 0))
      throw new RangeError(`pollMs: expected a number >= 0, got ${opts.pollMs}`);
    this.#store = opts.store;
    this.#dataDir = opts.dataDir;
    this.#source = opts.source ?? 'library';
    this.#flatten = opts.flatten;
    this.#alerts = opts.alerts ?? nullAlertSink;
    this.#clock = opts.clock ?? systemClock;
    const now = this.#clock.now();
    this.#state = {
      halted: true,
      source: 'unreadable',
      reason: 'not read yet',
      since: now,
      by: null,
      checkedAt: now,
    };
  }

  /** True when trading is halted. Synchronous, no system call: safe before every order. */
  isHalted(): boolean {
    return this.#state.halted;
  }

  /** The cached state. */
  state(): HaltState {
    return this.#state;
  }

  /** Whether an order with this effect may go out now: new risk is denied while halted. */
  allows(effect: OrderEffect): HaltDecision {
    if (!this.#state.halted) return ALLOW_RUNNING;
    if (effect === 'new_risk') return DENY_HALTED;
    return effect === 'cancel' ? ALLOW_CANCEL : ALLOW_REDUCE;
  }

  /** Called whenever the state changes (halted ↔ running, or the halt's source). */
  onChange(listener: Listener): { dispose(): void } {
    this.#listeners.push(listener);
    return {
      dispose: () => {
        this.#listeners = this.#listeners.filter((l) => l !== listener);
      },
    };
  }

  /** Re-reads the store, the STOP file and circuit.json, and repairs a stale circuit.json mirror. */
  refresh(): Promise<HaltState> {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    const run = async (): Promise<HaltState> => {
      try {
        let s: HaltState;
        do {
          this.#refreshAgain = false;
          s = await this.#read();
        } while (this.#refreshAgain);
        this.#set(s);
        return s;
      } finally {
        this.#refreshing = null;
      }
    };
    this.#refreshing = run();
    return this.#refreshing;
  }

  async #read(): Promise<HaltState> {
    const now = this.#clock.now();
    if (existsSync(stopFilePath(this.#dataDir))) {
      let since = now;
      try {
        since = statSync(stopFilePath(this.#dataDir)).mtimeMs;
      } catch {
        /* removed meanwhile: still treat as present for this read */
      }
      return {
        halted: true,
        source: 'stop_file',
        reason: `STOP file present in ${this.#dataDir}`,
        since,
        by: null,
        checkedAt: now,
      };
    }
    let latest: KillSwitchEvent | null;
    try {
      latest = await this.#store.killSwitch.latest();
    } catch (err) {
      return {
        halted: true,
        source: 'unreadable',
        reason: `store unreadable: ${(err as Error).message}`,
        since: now,
        by: null,
        checkedAt: now,
      };
    }
    const circuit = readCircuitFile(this.#dataDir);
    if (latest?.action === 'trip') {
      const since = await this.#haltStart(latest);
      if (circuit.kind !== 'ok' || !circuit.value.paused || circuit.value.warden_event_id !== latest.id) {
        this.#mirror(latest, since);
      }
      return { halted: true, source: 'store', reason: latest.reason, since, by: latest.by, checkedAt: now };
    }
    if (circuit.kind === 'corrupt') {
      return {
        halted: true,
        source: 'unreadable',
        reason: `${CIRCUIT_FILE} unreadable: ${circuit.error}`,
        since: now,
        by: null,
        checkedAt: now,
      };
    }
    if (circuit.kind === 'ok' && circuit.value.paused) {
      // A pause Warden wrote for a trip that has since been resumed is a stale mirror: repair it.
      const ours = circuit.value.warden_event_id;
      if (ours !== undefined && latest !== null && latest.id > ours) {
        this.#mirror(latest, null);
        return { halted: false, checkedAt: now };
      }
      const since = circuit.value.since !== null ? circuit.value.since * 1000 : now;
      return {
        halted: true,
        source: 'circuit_file',
        reason: circuit.value.reason ?? `${CIRCUIT_FILE} says paused`,
        since,
        by: null,
        checkedAt: now,
      };
    }
    if (latest && (circuit.kind !== 'ok' || circuit.value.warden_event_id !== latest.id))
      this.#mirror(latest, null);
    return { halted: false, checkedAt: now };
  }

  /** The time of the first trip of the current halt (later trips while halted do not move it). */
  async #haltStart(latest: KillSwitchEvent): Promise<number> {
    const h = await this.#store.killSwitch.history(50);
    let since = latest.at;
    for (const e of h) {
      if (e.action !== 'trip') break;
      since = e.at;
    }
    return since;
  }

  #mirror(event: KillSwitchEvent, since: number | null): void {
    try {
      writeCircuitFile(this.#dataDir, {
        paused: event.action === 'trip',
        reason: event.reason,
        since: (event.action === 'trip' ? (since ?? event.at) : event.at) / 1000,
        warden_event_id: event.id,
        by: event.by,
        source: event.source,
      });
    } catch {
      // The mirror is for other readers; the store stays the truth. status reports a stale mirror.
    }
  }

  #set(s: HaltState): void {
    const prev = this.#state;
    this.#state = s;
    const changed =
      prev.halted !== s.halted ||
      (prev.halted && s.halted && (prev.source !== s.source || prev.reason !== s.reason));
    if (changed) for (const l of this.#listeners) l(s);
  }

  /** Halts trading now, durably, mirrors circuit.json, alerts, and flattens when asked. */
  async trip(req: TripRequest): Promise<TripResult> {
    const reason = req.reason?.trim();
    if (!reason) throw new RangeError('reason: a trip needs a reason (--reason "...")');
    const event = await this.#store.killSwitch.append({
      action: 'trip',
      at: this.#clock.now(),
      reason,
      by: req.by?.trim() || this.#source,
      source: this.#source,
      host: hostname(),
      pid: process.pid,
      flatten: req.flatten === true,
    });
    await this.refresh();
    await this.#alerts.alert({
      key: `killswitch:trip:${event.id}`,
      severity: 'critical',
      title: 'Trading halted',
      body: `Kill switch tripped by ${event.by} (${event.source}): ${reason}. Resume only with: warden resume --reason "..." --by NAME`,
    });
    let flatten: FlattenResult | null = null;
    if (req.flatten) {
      if (!this.#flatten) {
        flatten = { ok: false, detail: 'no flatten action configured (killSwitch.flattenCommand)' };
      } else {
        try {
          flatten = await this.#flatten({ reason, signal: AbortSignal.timeout(10 * 60_000) });
        } catch (err) {
          flatten = { ok: false, detail: `flatten hook threw: ${(err as Error).message}` };
        }
      }
      await this.#alerts.alert({
        key: `killswitch:flatten:${event.id}`,
        severity: flatten.ok ? 'warning' : 'critical',
        title: flatten.ok ? 'Flatten done' : 'FLATTEN FAILED: positions may still be open',
        body: flatten.detail,
      });
    }
    return { event, flatten };
  }

  /** The only way back: needs a reason and a person's name; removes a STOP file; recorded and alerted. */
  async resume(req: ResumeRequest): Promise<KillSwitchEvent> {
    const reason = typeof req.reason === 'string' ? req.reason.trim() : '';
    const by = typeof req.by === 'string' ? req.by.trim() : '';
    if (!reason || !by) {
      throw new ResumeRefusedError(
        `resume refused: it needs ${!reason && !by ? 'a reason and a name' : !reason ? 'a reason' : 'a name'} (--reason "what was checked" --by NAME)`,
      );
    }
    let stopRemoved = false;
    try {
      unlinkSync(stopFilePath(this.#dataDir));
      stopRemoved = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new ResumeRefusedError(`resume refused: cannot remove ${STOP_FILE}: ${(err as Error).message}`);
      }
    }
    const event = await this.#store.killSwitch.append({
      action: 'resume',
      at: this.#clock.now(),
      reason: stopRemoved ? `${reason} (STOP file removed)` : reason,
      by,
      source: this.#source,
      host: hostname(),
      pid: process.pid,
      flatten: false,
    });
    this.#mirror(event, null);
    await this.refresh();
    await this.#alerts.alert({
      key: `killswitch:resume:${event.id}`,
      severity: 'warning',
      title: 'Trading resumed',
      body: `Resumed by ${by} (${event.source}): ${event.reason}`,
    });
    return event;
  }

  /** The durable trip/resume history, newest first. */
  history(limit?: number): Promise<KillSwitchEvent[]> {
    return this.#store.killSwitch.history(limit);
  }

  #startWatching(pollMs: number): void {
    const poke = () => {
      if (!this.#closed) this.refresh().catch(() => undefined);
    };
    if (pollMs > 0) {
      this.#timer = setInterval(poke, pollMs);
      this.#timer.unref();
    }
    try {
      this.#watcher = watch(this.#dataDir, { persistent: false }, (_e, name) => {
        if (name === STOP_FILE || name === CIRCUIT_FILE || name === null) poke();
      });
      this.#watcher.on('error', () => undefined);
    } catch {
      // No watch support (some network filesystems): the poll still catches every change.
    }
  }

  /** Stops the watch and the poll. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#watcher?.close();
    return Promise.resolve();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
