import { Counter, Gauge, type Registry } from 'prom-client';
import type { GateDecision } from '../gate/index.js';
import type { Mode } from '../modes/index.js';
import type { BreakerStateName } from '../resilience/index.js';
import type { BreakerWatch } from './breaker-watch.js';
import type { ModeSource } from './routes/mode-routes.js';
import type { ModeBoard } from './mode-board.js';

/** Most distinct `{layer, reason}` pairs labelled; further pairs are counted as `{layer: "other", reason: "other"}`. */
export const MAX_GATE_LABEL_PAIRS = 200;

const MODES: readonly Mode[] = ['FULL', 'REDUCE_ONLY', 'OBSERVATION', 'SHUTDOWN'];
const SHOWN_MODES = [...MODES, 'UNKNOWN'] as const;
const BREAKER_STATES: readonly BreakerStateName[] = [
  'closed',
  'open',
  'half-open',
  'forced-open',
  'forced-closed',
  'disabled',
];

type Child = { inc(): void };

/** What the gate, mode and breaker metrics read. */
export interface GateMetricsOptions {
  readonly modes?: ModeSource;
  /** The `bot` label of `modes` (default `daemon`). */
  readonly modesName?: string;
  /** Every bot's mode from the store (re-read on each scrape). */
  readonly bots?: Pick<ModeBoard, 'views' | 'refresh'>;
  readonly breakers?: BreakerWatch;
}

/**
 * Registers `warden_gate_decisions_total{layer,reason}`, `warden_mode{bot,mode}` (an enum gauge
 * per bot: 1 for the current mode, UNKNOWN when stale; at most `MAX_MODE_BOTS` bots), `warden_breaker_state{breaker,state}` (enum gauge) and
 * `warden_breaker_transitions_total{breaker,to}` on `registry`. Returns the function that counts
 * one gate decision: a lookup in a two-level map of prom-client children, no allocation.
 */
export function registerGateMetrics(registry: Registry, o: GateMetricsOptions): (d: GateDecision) => void {
  const decisions = new Counter({
    name: 'warden_gate_decisions_total',
    help: `Pre-trade gate decisions answered by the daemon, by deciding layer and reason (at most ${MAX_GATE_LABEL_PAIRS} pairs; the rest as other/other)`,
    labelNames: ['layer', 'reason'],
    registers: [registry],
  });
  const children = new Map<string, Map<string, Child>>();
  let pairs = 0;
  const other = decisions.labels('other', 'other');
  const count = (d: GateDecision): void => {
    let byReason = children.get(d.layer);
    let c = byReason?.get(d.reason);
    if (c === undefined) {
      if (pairs >= MAX_GATE_LABEL_PAIRS) return other.inc();
      if (byReason === undefined) children.set(d.layer, (byReason = new Map()));
      byReason.set(d.reason, (c = decisions.labels(d.layer, d.reason)));
      pairs++;
    }
    c.inc();
  };

  const modes = o.modes;
  const bots = o.bots;
  const self = o.modesName ?? 'daemon';
  if (modes || bots)
    new Gauge({
      name: 'warden_mode',
      help: `Each bot's degradation mode: 1 for the current one (${SHOWN_MODES.join(', ')}; UNKNOWN when its record is older than its heartbeat limit)`,
      labelNames: ['bot', 'mode'],
      registers: [registry],
      async collect() {
        // re-read at scrape time, so a scrape never shows a mode older than the store's
        if (bots) await bots.refresh();
        this.reset();
        const set = (bot: string, now: string) => {
          for (const m of SHOWN_MODES) this.set({ bot, mode: m }, m === now ? 1 : 0);
        };
        if (modes) set(self, modes.state.mode);
        for (const v of bots?.views ?? []) set(v.bot, v.mode);
      },
    });

  const watch = o.breakers;
  if (watch) {
    new Gauge({
      name: 'warden_breaker_state',
      help: `Each dependency breaker's state: 1 for the current one (${BREAKER_STATES.join(', ')})`,
      labelNames: ['breaker', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        const followed = watch.transitions();
        for (const b of watch.list())
          if (followed.has(b.name))
            for (const st of BREAKER_STATES) this.set({ breaker: b.name, state: st }, b.state === st ? 1 : 0);
      },
    });
    new Counter({
      name: 'warden_breaker_transitions_total',
      help: 'State changes of each dependency breaker seen by the daemon, by the state entered',
      labelNames: ['breaker', 'to'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [name, counts] of watch.transitions())
          for (const [to, n] of Object.entries(counts)) this.inc({ breaker: name, to }, n);
      },
    });
  }
  return count;
}
