import type { HeartbeatReport } from '../types.js';
import type { PgQuery } from './pg-connection.js';
import * as Q from './pg-queries.js';
import type { BeatRow as SharedBeatRow } from '../shared-rows.js';

/** A heartbeat row as PostgreSQL returns it (`extra` decoded from jsonb). */
export type BeatRow = SharedBeatRow<{ flag: boolean; json: Record<string, unknown> }>;

interface Waiter {
  readonly name: string;
  readonly resolve: (r: BeatRow) => void;
  readonly reject: (e: unknown) => void;
}

/** One name's beats of a batch, folded into the row they leave behind when applied in order. */
interface Folded {
  last: HeartbeatReport;
  /** The `at` of the newest ok beat among them (null: none was ok). */
  lastOkAt: number | null;
}

const isOk = (b: HeartbeatReport): boolean => b.kind === 'beat' && b.status === 'ok';

/**
 * Group commit for heartbeats on one store: the beats recorded in one turn of the event loop
 * while no heartbeat statement is in flight go together at the end of that turn (a microtask: no
 * wait; a lone beat is one named upsert, one round trip); beats recorded while one is in flight
 * wait for it and then go together in one multi-row upsert (one round trip, one commit). So a
 * process that falls behind and sends its due beats in a burst waits one round trip for them, not
 * two. Several beats of one name in a batch are folded into exactly what applying them one by
 * one would leave (the newest beat; the newest ok beat's time carried as `last_ok_at`). Every
 * promise resolves only after the statement holding its beat committed: a heartbeat is as durable
 * as before, there are just fewer round trips and commits when beats come faster than the server
 * answers (50 bots on one server).
 */
export class PgBeatBatcher {
  readonly #q: PgQuery;
  #queued: { beat: HeartbeatReport; waiter: Waiter }[] = [];
  #inFlight = false;

  constructor(q: PgQuery) {
    this.#q = q;
  }

  record(beat: HeartbeatReport): Promise<BeatRow> {
    return new Promise<BeatRow>((resolve, reject) => {
      this.#queued.push({ beat, waiter: { name: beat.name, resolve, reject } });
      if (this.#inFlight) return;
      this.#inFlight = true;
      queueMicrotask(() => this.#send());
    });
  }

  /** Sends what is queued (`#inFlight` is set); when nothing is, the batcher is idle again. */
  #send(): void {
    const batch = this.#queued;
    if (batch.length === 0) {
      this.#inFlight = false;
      return;
    }
    this.#queued = [];
    const done = (): void => this.#send();
    const run = batch.length === 1 ? this.#one(batch[0]!.beat) : this.#many(batch.map((b) => b.beat));
    run.then(
      (rows) => {
        const byName = new Map(rows.map((r) => [r.name, r]));
        for (const { waiter } of batch) {
          const r = byName.get(waiter.name);
          if (r) waiter.resolve(r);
          else waiter.reject(new Error(`heartbeat ${waiter.name}: no row returned`));
        }
        done();
      },
      (err: unknown) => {
        for (const { waiter } of batch) waiter.reject(err);
        done();
      },
    );
  }

  async #one(r: HeartbeatReport): Promise<BeatRow[]> {
    const res = await this.#q<BeatRow>({
      ...Q.BEAT_RECORD,
      values: [
        r.name,
        r.at,
        r.kind,
        r.status,
        r.kind === 'start' ? r.at : null,
        r.exitCode ?? null,
        JSON.stringify(r.extra ?? {}),
        isOk(r),
      ],
    });
    return res.rows;
  }

  async #many(beats: HeartbeatReport[]): Promise<BeatRow[]> {
    const folded = new Map<string, Folded>();
    for (const b of beats) {
      const f = folded.get(b.name);
      const okAt = isOk(b) ? b.at : null;
      if (f === undefined) folded.set(b.name, { last: b, lastOkAt: okAt });
      else {
        f.last = b;
        if (okAt !== null) f.lastOkAt = okAt;
      }
    }
    const cols: unknown[][] = [[], [], [], [], [], [], [], [], []];
    for (const { last, lastOkAt } of folded.values()) {
      const row = [
        last.name,
        last.at,
        last.kind,
        last.status,
        lastOkAt,
        last.kind === 'start' ? last.at : null,
        last.exitCode ?? null,
        JSON.stringify(last.extra ?? {}),
        lastOkAt !== null,
      ];
      row.forEach((v, i) => cols[i]!.push(v));
    }
    return (await this.#q<BeatRow>({ ...Q.BEAT_RECORD_MANY, values: cols })).rows;
  }
}
