// Reads what a run left in its data dir: the order store, the DLQ, the kill switch's history and
// the decision log's gate decisions (the checker's inputs besides the venue's own journal).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { listSegments, verifyDecisionLog } from '../decisions/index.js';
import type { GateRecord, StoredIntent } from './invariants.js';

/** The records of one data dir. */
export interface RunRecords {
  readonly intents: StoredIntent[];
  readonly dlq: { key: string; status: string }[];
  readonly killSwitch: { action: 'trip' | 'resume'; at: number; reason: string; by: string }[];
  readonly gate: GateRecord[];
  readonly decisionLogProblem: string | null;
}

/** Reads the records (the store read-only, the decision log's segments line by line). */
export function readRunRecords(dataDir: string, decisionsDir = join(dataDir, 'decisions')): RunRecords {
  const db = new Database(join(dataDir, 'warden.db'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const intents = (
      db
        .prepare(
          'SELECT idempotency_key AS key, state, client_order_id AS clientOrderId, reason, attempts FROM order_intents',
        )
        .all() as StoredIntent[]
    ).map((r) => ({ ...r }));
    const dlq = db.prepare('SELECT idempotency_key AS key, status FROM order_dlq').all() as {
      key: string;
      status: string;
    }[];
    const killSwitch = db
      .prepare('SELECT action, at, reason, by FROM kill_switch_events ORDER BY id')
      .all() as RunRecords['killSwitch'];
    return { intents, dlq, killSwitch, ...readGateDecisions(decisionsDir) };
  } finally {
    db.close();
  }
}

function readGateDecisions(dir: string): { gate: GateRecord[]; decisionLogProblem: string | null } {
  if (!existsSync(dir)) return { gate: [], decisionLogProblem: 'no decision log' };
  const v = verifyDecisionLog(dir);
  const gate: GateRecord[] = [];
  for (const seg of listSegments(dir)) {
    for (const line of readFileSync(seg.path, 'utf8').split('\n')) {
      if (line === '') continue;
      let r: { kind?: string; ts?: number; data?: Record<string, unknown> };
      try {
        r = JSON.parse(line) as typeof r;
      } catch {
        continue; // a torn tail: verification reports it
      }
      if (r.kind !== 'gate' || r.data === undefined) continue;
      const intent = r.data['intent'] as { idempotencyKey?: string } | undefined;
      gate.push({
        key: intent?.idempotencyKey ?? '',
        allow: r.data['allow'] === true,
        layer: String(r.data['layer']),
        reason: String(r.data['reason']),
        ts: r.ts ?? 0,
      });
    }
  }
  return { gate, decisionLogProblem: v.ok ? null : `${v.code} at ${v.file}:${v.line}: ${v.message}` };
}

/** How many intents are still pending or in flight (one cheap query: the soak polls it while the venue runs in this process). */
export function countUnfinished(dataDir: string): number {
  const db = new Database(join(dataDir, 'warden.db'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const r = db
      .prepare("SELECT count(*) AS n FROM order_intents WHERE state IN ('pending', 'in_flight')")
      .get() as { n: number };
    return r.n;
  } finally {
    db.close();
  }
}
