import type { AlertInput as Alert } from '../util/alert-sink.js';
import type { Transition } from '../strategy/types.js';
import type { MissedRun } from '../strategy/schedule/evaluation-schedule.js';

/** The strategy breaker's alerts: what `warden serve`'s schedule and `warden evaluate --alert` send. */
export interface StrategyAlerts {
  trip(t: Transition): Alert;
  recover(t: Transition): Alert;
  missedRun(m: MissedRun): Alert;
  failed(err: unknown): Alert;
}

/** The one wording and incident keys of the strategy alerts (a trip and a recovery each alert once). */
export function strategyAlerts(now: () => number = Date.now): StrategyAlerts {
  return {
    trip: (t) => ({
      key: `strategy:trip:${t.key}:${now()}`,
      severity: 'critical',
      title: `Strategy ${t.key} blocked`,
      body: `${t.reason}: roi ${t.roi} over ${t.n} trades`,
    }),
    recover: (t) => ({
      key: `strategy:recover:${t.key}:${now()}`,
      severity: 'info',
      title: `Strategy ${t.key} recovered`,
      body: `${t.reason}: roi ${t.roi} over ${t.n} trades`,
    }),
    missedRun: (m) => ({
      key: `strategy:missed:${m.expectedAt.getTime()}`,
      severity: 'critical',
      title: 'Strategy evaluation did not run',
      body: `due ${m.expectedAt.toISOString()}, last success ${m.lastSuccessAt?.toISOString() ?? 'never'}: the runtime check will fail open when the state goes stale`,
    }),
    failed: (err) => ({
      key: `strategy:error:${new Date(now()).toISOString().slice(0, 13)}`,
      severity: 'critical',
      title: 'Strategy evaluation failed',
      body: String(err),
    }),
  };
}
