import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { readAnchoredHead } from '../decisions/head-anchor.js';
import { listSegments, verifyDecisionLog, type DecisionHead, type VerifyResult } from '../decisions/index.js';
import type { Store } from '../store/index.js';

/** As many rows as a store will ever hold. */
const ALL = 2_147_483_647;

/** The decision log's verification, as MANIFEST.json records it. */
export interface DecisionLogAudit {
  /** The chain verified, and (when the store holds one) contains the store's head. */
  readonly ok: boolean;
  readonly lines: number;
  readonly files: number;
  /** The last good line's head. */
  readonly head: DecisionHead;
  /** The head the store holds (kv `decisions.head`), checked against; null when none was anchored. */
  readonly anchoredHead: DecisionHead | null;
  /** When not ok: the first bad line. */
  readonly problem: {
    readonly code: string;
    readonly file: string;
    readonly line: number;
    readonly message: string;
  } | null;
}

/** Where the export writes (its `put`), and where it notes what it could not include. */
export interface AuditSink {
  put(rel: string, data: string | Buffer): void;
  note(text: string): void;
  /** Masks secrets in rows before they leave (the alert channels' redactor). */
  redact<T>(rows: T): T;
}

const jsonl = (rows: readonly unknown[]): string => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

/**
 * The trading records of an audit export (issue 10): the decision log's segments, verified
 * against the head the store holds (the result goes into MANIFEST.json); the strategy state, its
 * override log and the shadow ledger; the orders, the DLQ and the reconciliation reports.
 */
export async function exportTradingRecords(
  loaded: LoadedConfig,
  store: Store,
  sink: AuditSink,
): Promise<DecisionLogAudit | null> {
  const { config } = loaded;
  const dataDir = resolve(loaded.dataDir);

  // the decision log, as its files are, and verified
  const logDir = resolve(dataDir, config.decisions.dir);
  let decisionLog: DecisionLogAudit | null = null;
  const segments = existsSync(logDir) ? listSegments(logDir) : [];
  if (segments.length === 0) sink.note(`decisions/: no decision log in ${logDir}`);
  else {
    for (const s of segments) sink.put(`decisions/${s.name}`, readFileSync(s.path));
    const anchored = await readAnchoredHead(store.kv);
    const head = anchored === null ? null : { seq: anchored.seq, hash: anchored.hash };
    const v: VerifyResult = verifyDecisionLog(logDir, head === null ? {} : { head });
    decisionLog = {
      ok: v.ok,
      lines: v.lines,
      files: segments.length,
      head: v.head,
      anchoredHead: head,
      problem: v.ok ? null : { code: v.code, file: basename(v.file), line: v.line, message: v.message },
    };
    if (head === null) sink.note('decisions/: the store holds no anchored head; verified as a chain only');
  }

  // strategy state, manual overrides, shadow trades
  const statePath = resolve(dataDir, config.strategy.state);
  for (const p of [
    statePath,
    join(dirname(statePath), 'strategy-overrides.jsonl'),
    resolve(dataDir, config.strategy.shadow),
  ]) {
    if (existsSync(p)) sink.put(`strategy/${basename(p)}`, readFileSync(p));
    else sink.note(`strategy/${basename(p)}: not in ${dirname(p)}`);
  }

  // orders, the DLQ, reconciliation reports
  const stores = store;
  {
    sink.put('orders.jsonl', jsonl(sink.redact([...(await stores.orders.list({ limit: ALL }))].reverse())));
    sink.put('dlq.jsonl', jsonl(sink.redact([...(await stores.dlq.list({ limit: ALL }))].reverse())));
    const recons =
      stores.orders.listReconciliations !== undefined
        ? await stores.orders.listReconciliations(ALL)
        : [await stores.orders.latestReconciliation()].filter((r) => r !== null);
    const reports = [...recons].reverse().map((r) => ({ ...r, report: JSON.parse(r.report) as unknown }));
    sink.put('reconciliations.jsonl', jsonl(sink.redact(reports)));
  }
  return decisionLog;
}
