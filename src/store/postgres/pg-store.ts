import type pg from 'pg';
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
import { appliedPgVersion, latestPgVersion, migratePg } from './migrate.js';
import { PgConnection, type PgConnectionOptions, type PgQuery, type PgTx } from './pg-connection.js';
import {
  pgAlertOutboxRepo,
  pgDecisionHeadRepo,
  pgFleetRepo,
  pgHeartbeatRepo,
  pgIncidentRepo,
  pgKillSwitchRepo,
  pgKvRepo,
  pgModeRepo,
} from './pg-core-repos.js';
import { PgDlqStore } from './pg-dlq-store.js';
import { PgOrderStore } from './pg-order-store.js';
import * as Q from './pg-queries.js';
import { pgSharedBreakerRepo, pgStrategyStateRepo } from './pg-shared-state.js';

/** Options of `PgStore.open`. */
export interface PgStoreOptions extends PgConnectionOptions {
  /**
   * `create` applies pending migrations (creating the schema); `existing` (the default) never
   * creates: a schema that is missing or behind is a `StoreMissingError` (readers: halted).
   */
  readonly mode?: 'existing' | 'create';
}

/**
 * The fleet store: every table in one PostgreSQL schema, shared by every bot and daemon on every
 * host. Every compare-and-set is one conditional statement or a transaction behind a row lock;
 * every kill-switch change (and DLQ, alert and incident change) is announced with
 * `pg_notify('<schema>_changes', {area, id, s})` in its own transaction (a kill-switch change also
 * says what it was: `change-payload.ts`).
 */
export class PgStore implements Store {
  readonly kind = 'postgres' as const;
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
  readonly #conn: PgConnection;
  #closed: Promise<void> | null = null;

  /** Connects, and migrates (`create`) or checks the schema's version (`existing`). */
  static async open(opts: PgStoreOptions): Promise<PgStore> {
    const conn = new PgConnection(opts);
    try {
      if (opts.mode === 'create') await migratePg(conn);
      else {
        const have = await appliedPgVersion(conn);
        const want = latestPgVersion();
        if (have === null)
          throw new StoreMissingError(
            `no Warden schema at ${conn.location}: trading is halted; run \`warden migrate\` to create it, or fix store.schema`,
            conn.location,
          );
        if (have < want)
          throw new StoreMissingError(
            `the Warden schema at ${conn.location} is at version ${have}, this Warden needs ${want}: trading is halted; run \`warden migrate\``,
            conn.location,
          );
      }
      return new PgStore(conn);
    } catch (err) {
      await conn.end().catch(() => undefined);
      throw err instanceof StoreMissingError ? err : conn.error(err);
    }
  }

  /** The connection (the fleet listener and tests use its pool, schema and channel). */
  get connection(): PgConnection {
    return this.#conn;
  }

  private constructor(conn: PgConnection) {
    this.#conn = conn;
    this.location = conn.location;
    const q: PgQuery = (text, values) => {
      if (this.#closed !== null) return Promise.reject(new StoreError(`store ${conn.location}: closed`));
      return conn.query(text, values);
    };
    const tx: PgTx = (fn) => {
      if (this.#closed !== null) return Promise.reject(new StoreError(`store ${conn.location}: closed`));
      return conn.tx(fn);
    };
    this.killSwitch = pgKillSwitchRepo(q, tx, conn);
    this.heartbeats = pgHeartbeatRepo(q);
    this.incidents = pgIncidentRepo(q, tx, conn);
    this.alerts = pgAlertOutboxRepo(q, tx, conn);
    this.kv = pgKvRepo(q);
    this.decisionHeads = pgDecisionHeadRepo(q);
    this.fleet = pgFleetRepo(q);
    this.modes = pgModeRepo(q, tx, conn);
    const announce = (c: pg.PoolClient, area: string, id: string) => conn.notify(c, area, id);
    this.strategyState = pgStrategyStateRepo(q, tx, announce);
    this.sharedBreakers = pgSharedBreakerRepo(q, tx, announce);
    this.orders = new PgOrderStore(q);
    this.dlq = new PgDlqStore(q, tx, (c, id) => conn.notify(c, 'dlq', id));
  }

  async now(): Promise<number> {
    if (this.#closed !== null) throw new StoreError(`store ${this.location}: closed`);
    return (await this.#conn.query<{ t: number }>(Q.NOW)).rows[0]!.t;
  }

  migrate(): Promise<number> {
    if (this.#closed !== null) return Promise.reject(new StoreError(`store ${this.location}: closed`));
    return migratePg(this.#conn);
  }

  async schemaVersion(): Promise<number> {
    if (this.#closed !== null) throw new StoreError(`store ${this.location}: closed`);
    return (await appliedPgVersion(this.#conn)) ?? 0;
  }

  /** Ends the pool (idempotent). */
  close(): Promise<void> {
    this.#closed ??= this.#conn.end().catch(() => undefined);
    return this.#closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
