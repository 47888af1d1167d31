import type { GateCheckIntent, GateDecision } from '../gate/index.js';
import type { DaemonEvents } from './daemon-events.js';

/** Options of `gateEvents`. */
export interface GateEventsOptions {
  /** Most denials sent one by one per window; the rest are only counted (default 20). */
  readonly maxDenialsPerWindow?: number;
  /** The window, and how often the counts are sent (ms, default 1000). */
  readonly windowMs?: number;
  readonly now?: () => number;
}

/** What `gateEvents` returns: the per-decision hook, and `close()` for its timer. */
export interface GateEventStream {
  /** Sees one served decision; no work while nobody listens on `/v1/events`. */
  readonly onDecision: (d: GateDecision, intent: GateCheckIntent) => void;
  close(): void;
}

/**
 * Puts the served gate's decisions on `/v1/events`, bounded: each denial as a `gate` event
 * (symbol, side, layer, reason), at most `maxDenialsPerWindow` per window, and once per window
 * with anything decided a `gate` event with `summary: true` counting the allowed decisions, the
 * denials and the denials not sent one by one. Allowed decisions are counted, never sent one by one:
 * at 15,000 a second they would drown the stream. While nobody listens, nothing is built or counted.
 */
export function gateEvents(events: DaemonEvents, o: GateEventsOptions = {}): GateEventStream {
  const max = o.maxDenialsPerWindow ?? 20;
  const windowMs = o.windowMs ?? 1000;
  if (!Number.isInteger(max) || max < 0)
    throw new RangeError(`maxDenialsPerWindow: must be an integer >= 0 (got ${max})`);
  if (!Number.isFinite(windowMs) || windowMs <= 0)
    throw new RangeError(`windowMs: must be > 0 (got ${windowMs})`);
  const now = o.now ?? Date.now;
  let allowed = 0;
  let denied = 0;
  let sent = 0;
  const flush = (): void => {
    if (allowed === 0 && denied === 0) return;
    const summary = { summary: true, allowed, denied, suppressed: denied - sent, windowMs };
    allowed = denied = sent = 0;
    events.emit({ type: 'gate', at: now(), data: summary });
  };
  const timer = setInterval(flush, windowMs);
  timer.unref();
  return {
    onDecision: (d, intent) => {
      if (!events.listened) return;
      if (d.allow) {
        allowed++;
        return;
      }
      denied++;
      if (sent >= max) return;
      sent++;
      events.emit({
        type: 'gate',
        at: now(),
        data: {
          allow: false,
          layer: d.layer,
          reason: d.reason,
          symbol: intent.symbol,
          side: intent.side,
          ...(intent.strategy !== undefined ? { strategy: intent.strategy } : {}),
        },
      });
    },
    close: () => {
      clearInterval(timer);
      flush();
    },
  };
}
