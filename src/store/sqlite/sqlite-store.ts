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
import { StoreError } from '../store-error.js';
import { StoreMissingError } from '../store-missing-error.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { migrate } from './migrate.js';
import * as Q from './queries.js';
import {
  alertOutboxRepo,
  decisionHeadRepo,
  fleetRepo,
  heartbeatRepo,
  incidentRepo,
  killSwitchRepo,
  kvRepo,
  modeRepo,
} from './sqlite-core-repos.js';
import { lazyPrepare } from './lazy-prepare.js';
import { sqliteNativeBinding } from './native-binding.js';
import { sqliteSharedBreakerRepo, sqliteStrategyStateRepo } from './sqlite-shared-state.js';
import { SqliteBatcher } from './sqlite-batcher.js';
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
        nativeBinding: sqliteNativeBinding(),
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
    this.killSwitch = killSwitchRepo(db, run);
    this.heartbeats = heartbeatRepo(db, run, clock);
    this.incidents = incidentRepo(db, run);
    this.alerts = alertOutboxRepo(db, run);
    this.kv = kvRepo(db, run);
    this.decisionHeads = decisionHeadRepo(db, run);
    this.fleet = fleetRepo(db, run, clock);
    this.modes = modeRepo(db, run, clock);
    this.strategyState = sqliteStrategyStateRepo(db, run);
    this.sharedBreakers = sqliteSharedBreakerRepo(db, run, clock);
    const now = lazyPrepare(db)<[], { t: number }>(Q.NOW);
    this.now = () => run(() => now.get()!.t);
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
