import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  AlertOutboxRepo,
  DecisionHeadRepo,
  FleetRepo,
  HeartbeatRepo,
  IncidentRepo,
  KillSwitchRepo,
  KvRepo,
  ModeRepo,
  SharedBreakerRepo,
  Store,
  StrategyStateRepo,
} from '../store.js';
import type { DlqStore } from '../../orders/dlq-store.js';
import type { OrderStore } from '../../orders/order-store.js';
import type {
  StoredDecisionHead,
  FleetMember,
  HeartbeatRecord,
  HeartbeatReport,
  Incident,
  KillSwitchCasResult,
  KillSwitchEvent,
  ModeWrite,
  NewKillSwitchEvent,
  NewOutboxAlert,
  OutboxAlert,
} from '../types.js';
import { StoreError } from '../store-error.js';
import { StoreMissingError } from '../store-missing-error.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { migrate } from './migrate.js';
import * as Q from './queries.js';
import { toAlert, toModeRecord, type AlertRow, type ModeRow } from '../shared-rows.js';
import { SqliteBatcher } from './sqlite-batcher.js';
import { sqliteSharedBreakerRepo, sqliteStrategyStateRepo } from './sqlite-shared-state.js';
import { SqliteDlqStore } from './sqlite-dlq-store.js';
import { SqliteOrderStore } from './sqlite-order-store.js';
import { unwritableDetail } from '../../util/unwritable.js';

export interface SqliteStoreOptions {
  /** Milliseconds to wait for a lock held by another process before failing. */
  busyTimeoutMs?: number;
  readonly?: boolean;
  /**
   * Never create: the directory and a non-empty store file must exist, else `StoreMissingError`
   * (a zero-byte file is corrupt, not new). Default false (the library creates on first open).
   */
  mustExist?: boolean;
  /** The store's clock: stamps the time each heartbeat is received (injected in tests). */
  clock?: Clock;
  /** Group commit for the order and DLQ writes of one event-loop turn (default true; see `SqliteBatcher`). */
  groupCommit?: boolean;
}

const FIX = 'run `warden init` to create it, or point --data-dir / WARDEN_DATA_DIR at the real data dir';

/** Throws StoreMissingError unless `path` is a non-empty file in an existing directory. */
export function assertStoreExists(path: string): void {
  const dir = dirname(path);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new StoreMissingError(`no data dir at ${dir}: trading is halted; ${FIX}`, dir);
  }
  if (!st.isDirectory())
    throw new StoreMissingError(`data dir ${dir} is not a directory: trading is halted; ${FIX}`, dir);
  try {
    st = statSync(path);
  } catch {
    throw new StoreMissingError(`no store at ${path}: trading is halted; ${FIX}`, path);
  }
  if (st.size === 0)
    throw new StoreMissingError(
      `store ${path} is empty (0 bytes): corrupt, not new; trading is halted. Restore it from a backup, or move it away and run \`warden init\``,
      path,
    );
}

interface KillRow {
  id: number;
  action: 'trip' | 'resume';
  at: number;
  reason: string;
  by: string;
  source: string;
  host: string;
  pid: number;
  flatten: number;
  clears: number | null;
}
interface BeatRow {
  name: string;
  at: number;
  kind: HeartbeatRecord['kind'];
  status: string;
  last_ok_at: number | null;
  started_at: number | null;
  exit_code: number | null;
  extra: string;
  received_at: number | null;
  last_ok_received_at: number | null;
}
interface FleetRow {
  host: string;
  pid: number;
  role: string;
  info: string;
  first_seen_at: number;
  last_seen_at: number;
}
interface IncidentRow {
  key: string;
  opened_at: number;
  kind: string;
  detail: string;
}

const toKill = (r: KillRow): KillSwitchEvent => ({ ...r, flatten: r.flatten === 1 });
const toBeat = (r: BeatRow): HeartbeatRecord => ({
  name: r.name,
  at: r.at,
  kind: r.kind,
  status: r.status,
  lastOkAt: r.last_ok_at,
  startedAt: r.started_at,
  exitCode: r.exit_code,
  extra: JSON.parse(r.extra) as Record<string, unknown>,
  receivedAt: r.received_at ?? r.at,
  lastOkReceivedAt: r.last_ok_received_at,
});
const toMember = (r: FleetRow): FleetMember => ({
  host: r.host,
  pid: r.pid,
  role: r.role,
  info: JSON.parse(r.info) as Record<string, unknown>,
  firstSeenAt: r.first_seen_at,
  lastSeenAt: r.last_seen_at,
});
const toIncident = (r: IncidentRow): Incident => ({
  key: r.key,
  openedAt: r.opened_at,
  kind: r.kind,
  detail: r.detail,
});

function wrapError(path: string, err: unknown): StoreError {
  const code = (err as { code?: string }).code ?? '';
  let why = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
    why = 'locked by another process (timed out waiting)';
  else if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM')
    why = `cannot write (${code}): ${unwritableDetail(path) ?? "check the data dir's permissions"}`;
  else if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') why = `not a valid store file (${code})`;
  else if (code === 'SQLITE_FULL') why = `cannot write (${code}): the disk is full`;
  return new StoreError(`store ${path}: ${why}`, { cause: err });
}

/**
 * The embedded store: one SQLite file in WAL mode, shared safely by the bot, the watchdog and
 * the CLI on one host. `journal_mode=WAL` and `synchronous=FULL` are set on every open, so
 * durability does not differ between the first open and a reopen.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly location: string;
  readonly killSwitch: KillSwitchRepo;
  readonly heartbeats: HeartbeatRepo;
  readonly incidents: IncidentRepo;
  readonly alerts: AlertOutboxRepo;
  readonly kv: KvRepo;
  readonly orders: OrderStore;
  readonly dlq: DlqStore;
  readonly decisionHeads: DecisionHeadRepo;
  readonly fleet: FleetRepo;
  readonly modes: ModeRepo;
  readonly strategyState: StrategyStateRepo;
  readonly sharedBreakers: SharedBreakerRepo;
  readonly #db: BetterSqlite3.Database;
  readonly #batcher: SqliteBatcher;
  #closed = false;

  /** Opens (creating if needed) the store file and applies pending migrations. */
  static open(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
    if (opts.mustExist) assertStoreExists(path);
    try {
      if (!opts.readonly && !opts.mustExist) mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path, {
        readonly: opts.readonly ?? false,
        fileMustExist: (opts.readonly ?? false) || (opts.mustExist ?? false),
      });
      try {
        db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
        if (!opts.readonly) db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
        db.pragma('foreign_keys = ON');
        if (!opts.readonly) migrate(db);
        return new SqliteStore(db, path, opts.clock ?? systemClock, opts.groupCommit ?? true);
      } catch (err) {
        db.close();
        throw err;
      }
    } catch (err) {
      throw err instanceof StoreError ? err : wrapError(path, err);
    }
  }

  private constructor(db: BetterSqlite3.Database, path: string, clock: Clock, groupCommit: boolean) {
    this.#db = db;
    this.location = path;
    const run = <T>(fn: () => T): Promise<T> => {
      try {
        if (this.#closed) throw new StoreError(`store ${path}: closed`);
        return Promise.resolve(fn());
      } catch (err) {
        return Promise.reject(err instanceof StoreError ? err : wrapError(path, err));
      }
    };
    const s = {
      killInsert: db.prepare(Q.KILL_INSERT),
      killLatest: db.prepare<[], KillRow>(Q.KILL_LATEST),
      killHistory: db.prepare<[number], KillRow>(Q.KILL_HISTORY),
      killById: db.prepare<[number], KillRow>(Q.KILL_BY_ID),
      killSince: db.prepare<[number], KillRow>(Q.KILL_SINCE),
      killProbe: db.prepare(Q.KILL_PROBE),
      beatGet: db.prepare<[string], BeatRow>(Q.BEAT_GET),
      beatUpsert: db.prepare(Q.BEAT_UPSERT),
      beatList: db.prepare<[], BeatRow>(Q.BEAT_LIST),
      incOpen: db.prepare(Q.INCIDENT_OPEN),
      incGet: db.prepare<[string], IncidentRow>(Q.INCIDENT_GET),
      incDelete: db.prepare(Q.INCIDENT_DELETE),
      incList: db.prepare<[], IncidentRow>(Q.INCIDENT_LIST),
      alertInsert: db.prepare(Q.ALERT_INSERT),
      alertById: db.prepare<[number], AlertRow>(Q.ALERT_BY_ID),
      alertDue: db.prepare<[number, number], AlertRow>(Q.ALERT_DUE),
      alertLease: db.prepare(Q.ALERT_LEASE),
      alertSent: db.prepare(Q.ALERT_SENT),
      alertFailed: db.prepare(Q.ALERT_FAILED),
      alertCount: db.prepare<[string, number], { n: number }>(Q.ALERT_COUNT_SENT_SINCE),
      alertList: db.prepare<[string | null, string | null, number], AlertRow>(Q.ALERT_LIST),
      kvGet: db.prepare<[string], { value: string }>(Q.KV_GET),
      kvSet: db.prepare(Q.KV_SET),
      now: db.prepare<[], { t: number }>(Q.NOW),
      headRecord: db.prepare(Q.HEAD_RECORD),
      headGet: db.prepare<[string, string], StoredDecisionHead>(Q.HEAD_GET),
      headList: db.prepare<[string | null, string | null], StoredDecisionHead>(Q.HEAD_LIST),
      fleetTouch: db.prepare<unknown[], FleetRow>(Q.FLEET_TOUCH),
      fleetList: db.prepare<[], FleetRow>(Q.FLEET_LIST),
      fleetRemove: db.prepare(Q.FLEET_REMOVE),
      modeClaim: db.prepare<[Record<string, unknown>], ModeRow>(Q.MODE_CLAIM),
      modeRecord: db.prepare<[Record<string, unknown>], ModeRow>(Q.MODE_RECORD),
      modeGet: db.prepare<[string], ModeRow>(Q.MODE_GET),
      modeList: db.prepare<[], ModeRow>(Q.MODE_LIST),
    };

    const insertKill = (e: NewKillSwitchEvent): KillSwitchEvent => {
      const info = s.killInsert.run(
        e.action,
        e.at,
        e.reason,
        e.by,
        e.source,
        e.host,
        e.pid,
        e.flatten ? 1 : 0,
        e.clears ?? null,
      );
      return toKill(s.killById.get(Number(info.lastInsertRowid))!);
    };
    const casKill = db.transaction((expected: number | null, e: NewKillSwitchEvent): KillSwitchCasResult => {
      const latest = s.killLatest.get();
      if ((latest?.id ?? null) !== expected) {
        const since = s.killSince.all(expected ?? 0).map(toKill);
        return { ok: false, latest: latest ? toKill(latest) : null, since };
      }
      return { ok: true, event: insertKill(e) };
    });
    this.killSwitch = {
      append: (e: NewKillSwitchEvent) => run(() => insertKill(e)),
      appendIfLatest: (expected, e) => run(() => casKill.immediate(expected, e)),
      probeWrite: (at) =>
        run(() => {
          s.killProbe.run(at);
        }),
      latest: () =>
        run(() => {
          const r = s.killLatest.get();
          return r ? toKill(r) : null;
        }),
      history: (limit = 100) => run(() => s.killHistory.all(limit).map(toKill)),
    };

    const recordBeat = db.transaction((r: HeartbeatReport): HeartbeatRecord => {
      const prev = s.beatGet.get(r.name);
      const receivedAt = clock.now();
      const ok = r.kind === 'beat' && r.status === 'ok';
      const lastOkAt = ok ? r.at : (prev?.last_ok_at ?? null);
      const lastOkReceivedAt = ok ? receivedAt : (prev?.last_ok_received_at ?? null);
      const startedAt = r.kind === 'start' ? r.at : null;
      s.beatUpsert.run(
        r.name,
        r.at,
        r.kind,
        r.status,
        lastOkAt,
        startedAt,
        r.exitCode ?? null,
        JSON.stringify(r.extra ?? {}),
        receivedAt,
        lastOkReceivedAt,
      );
      return toBeat(s.beatGet.get(r.name)!);
    });
    this.heartbeats = {
      record: (r) => run(() => recordBeat.immediate(r)),
      get: (name) =>
        run(() => {
          const r = s.beatGet.get(name);
          return r ? toBeat(r) : null;
        }),
      list: () => run(() => s.beatList.all().map(toBeat)),
    };

    const closeIncident = db.transaction((key: string): Incident | null => {
      const r = s.incGet.get(key);
      if (!r) return null;
      s.incDelete.run(key);
      return toIncident(r);
    });
    this.incidents = {
      open: (i) => run(() => s.incOpen.run(i.key, i.openedAt, i.kind, i.detail).changes === 1),
      close: (key) => run(() => closeIncident.immediate(key)),
      list: () => run(() => s.incList.all().map(toIncident)),
    };

    const claim = db.transaction((now: number, limit: number, leaseMs: number): OutboxAlert[] => {
      const rows = s.alertDue.all(now, limit);
      for (const r of rows) s.alertLease.run(now + leaseMs, r.id);
      return rows.map(toAlert);
    });
    this.alerts = {
      enqueue: (a: NewOutboxAlert) =>
        run(() => {
          const info = s.alertInsert.run(
            a.channel,
            a.dedupeKey,
            a.severity,
            a.title,
            a.body,
            a.createdAt,
            a.createdAt,
          );
          return info.changes === 0 ? null : toAlert(s.alertById.get(Number(info.lastInsertRowid))!);
        }),
      claimDue: (now, limit, leaseMs) => run(() => claim.immediate(now, limit, leaseMs)),
      markSent: (id, at) =>
        run(() => {
          s.alertSent.run(at, id);
        }),
      markFailed: (id, error, next) =>
        run(() => {
          s.alertFailed.run(next === null ? 'failed' : 'pending', error, next ?? 0, id);
        }),
      countSentSince: (channel, since) => run(() => s.alertCount.get(channel, since)!.n),
      list: (opts = {}) =>
        run(() => s.alertList.all(opts.status ?? null, opts.status ?? null, opts.limit ?? 100).map(toAlert)),
    };

    this.kv = {
      get: (key) => run(() => s.kvGet.get(key)?.value ?? null),
      set: (key, value) =>
        run(() => {
          s.kvSet.run(key, value);
        }),
    };
    this.decisionHeads = {
      record: (h) => run(() => s.headRecord.run(h.log, h.host, h.seq, h.hash, h.at).changes === 1),
      get: (log, host) => run(() => s.headGet.get(log, host) ?? null),
      list: (log) => run(() => s.headList.all(log ?? null, log ?? null)),
    };
    this.fleet = {
      touch: (m) =>
        run(() => {
          const t = clock.now();
          return toMember(s.fleetTouch.get(m.host, m.pid, m.role, JSON.stringify(m.info ?? {}), t, t)!);
        }),
      list: () => run(() => s.fleetList.all().map(toMember)),
      remove: (host, pid, role) => run(() => s.fleetRemove.run(host, pid, role).changes === 1),
    };
    const modeParams = (w: ModeWrite) => ({
      bot: w.bot,
      mode: w.mode,
      reason: w.reason,
      detail: w.detail,
      since: w.since,
      host: w.host,
      pid: w.pid,
      seq: w.seq,
      recordedAt: clock.now(),
    });
    this.modes = {
      claim: (w) => run(() => toModeRecord(s.modeClaim.get(modeParams(w))!)),
      record: (epoch, w) =>
        run(() => {
          const r = s.modeRecord.get({ ...modeParams(w), epoch });
          return r ? toModeRecord(r) : null;
        }),
      get: (bot) =>
        run(() => {
          const r = s.modeGet.get(bot);
          return r ? toModeRecord(r) : null;
        }),
      list: () => run(() => s.modeList.all().map(toModeRecord)),
    };
    this.strategyState = sqliteStrategyStateRepo(db, run);
    this.sharedBreakers = sqliteSharedBreakerRepo(db, run, clock);
    this.now = () => run(() => s.now.get()!.t);
    this.schemaVersion = () =>
      run(() => db.prepare<[], { v: number | null }>(Q.SCHEMA_VERSION).get()?.v ?? 0);
    // One group-commit batcher for the order and DLQ writes, so an intent and its DLQ entry commit together.
    this.#batcher = new SqliteBatcher(db, { groupCommit });
    this.orders = new SqliteOrderStore(db, { batcher: this.#batcher });
    this.dlq = new SqliteDlqStore(db, { batcher: this.#batcher });
  }

  /** Migrations run on every open that may write; this applies any still pending (0 when none). */
  migrate(): Promise<number> {
    try {
      return Promise.resolve(migrate(this.#db));
    } catch (err) {
      return Promise.reject(err instanceof StoreError ? err : wrapError(this.location, err));
    }
  }

  now: () => Promise<number>;
  schemaVersion: () => Promise<number>;

  /** The underlying connection (tests and benchmarks only: every table has its repo on the store). */
  get database(): BetterSqlite3.Database {
    return this.#db;
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      // Synchronous, as before: queued order and DLQ writes commit, then the connection closes.
      try {
        this.#batcher.close();
      } finally {
        this.#db.close();
      }
    }
    return Promise.resolve();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
