import type { KvRepo } from '../store/store.js';
import type { AlertInput, AlertSink } from '../util/alert-sink.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { DecisionHead } from './line-format.js';

/** The store's kv key holding the decision log's last durable head: `{"seq","hash","at"}`. */
export const DECISION_HEAD_KEY = 'decisions.head';

/** What `anchorHeadInStore` follows: a `DecisionLog`. */
export interface AnchoredLog {
  readonly durableHead: DecisionHead;
  readonly onDurable: (listener: (h: DecisionHead) => void) => { dispose(): void };
}

/** The head the store holds, or null when none was written (or the value is not a head). */
export async function readAnchoredHead(
  kv: Pick<KvRepo, 'get'>,
): Promise<(DecisionHead & { at: number }) | null> {
  const raw = await kv.get(DECISION_HEAD_KEY);
  if (raw === null) return null;
  try {
    const v = JSON.parse(raw) as { seq?: unknown; hash?: unknown; at?: unknown };
    if (typeof v.seq === 'number' && Number.isSafeInteger(v.seq) && typeof v.hash === 'string')
      return { seq: v.seq, hash: v.hash, at: typeof v.at === 'number' ? v.at : 0 };
  } catch {
    /* not a head */
  }
  return null;
}

/**
 * Writes `head` as the store's decision head unless the store already holds one as new or newer
 * (a higher or equal seq): the store's head never moves back, so a log cut short or started afresh
 * under the same store cannot erase the evidence of the longer chain (`warden log verify --anchor
 * store` keeps reporting it). Writers call it while they hold the log's writer lock, so the read
 * and the write are not raced by another writer of the same log. True when written.
 */
export async function anchorHead(
  kv: Pick<KvRepo, 'get' | 'set'>,
  head: DecisionHead,
  at: number,
): Promise<boolean> {
  const cur = await readAnchoredHead(kv);
  if (cur !== null && cur.seq >= head.seq) return false;
  await kv.set(DECISION_HEAD_KEY, JSON.stringify({ seq: head.seq, hash: head.hash, at }));
  return true;
}

/** A running anchor: `flush()` writes the latest durable head now; `dispose()` stops following. */
export interface HeadAnchor {
  flush(): Promise<void>;
  dispose(): void;
}

/**
 * Keeps the log's durable head in the store (kv `decisions.head`), off the host the log is on:
 * whoever can rewrite the file cannot rewrite the store's copy, so `warden log verify --anchor
 * store` catches a whole chain rewritten consistently. Written at most once per `everyMs` (the
 * latest head wins; nothing queues), and on `flush()`; never moved back (`anchorHead`).
 */
export function anchorHeadInStore(
  log: AnchoredLog,
  kv: Pick<KvRepo, 'get' | 'set'>,
  options: { everyMs?: number; clock?: Clock; onError?: (err: unknown) => void } = {},
): HeadAnchor {
  const everyMs = options.everyMs ?? 1000;
  const clock = options.clock ?? systemClock;
  const onError =
    options.onError ?? ((err) => process.emitWarning(`warden: decision head not anchored: ${String(err)}`));
  let written = -1;
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  // one write at a time, each of the head durable when it runs (a later head supersedes)
  const write = (): Promise<void> => {
    chain = chain
      .then(async () => {
        const h = log.durableHead;
        if (h.seq <= written || h.seq === 0) return;
        await anchorHead(kv, h, clock.now());
        written = h.seq;
      })
      .catch(onError);
    return chain;
  };
  const sub = log.onDurable(() => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void write();
    }, everyMs);
    timer.unref();
  });
  return {
    flush() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      return write();
    },
    dispose() {
      sub.dispose();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** An alert sink whose alerts carry the decision log's head (a footer), so the head travels off the host with each alert. */
export function alertsWithDecisionHead(sink: AlertSink, head: () => DecisionHead | null): AlertSink {
  return {
    alert(a: AlertInput) {
      const h = head();
      if (h === null) return sink.alert(a);
      return sink.alert({ ...a, body: `${a.body}\n\ndecision log head: seq ${h.seq} sha256 ${h.hash}` });
    },
  };
}
