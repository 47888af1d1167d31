// The table the demo and the soak end with.
import type { InvariantReport } from './invariants.js';

/** The counts as an aligned table. */
export function formatSummary(c: InvariantReport['counts']): string {
  const rows: [string, string][] = [
    ['intents (bot)', String(c.intents)],
    ['orders sent (at the venue)', String(c.venueOrders)],
    ['filled', String(c.filled)],
    ['placed (store)', String(c.placed)],
    ['denied (store)', String(c.denied)],
    ...Object.entries(c.deniedByLayer)
      .sort()
      .map(([l, n]): [string, string] => [`  denied by ${l}`, String(n)]),
    ['retried (more than one attempt)', String(c.retried)],
    ['in the DLQ (open)', String(c.inDlq)],
    ['reduce-only accepted while halted', String(c.reduceOnlyWhileHalted)],
    ['reconciliations after a start', String(c.reconciliations)],
    ['duplicates (venue record)', String(c.duplicates)],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return ['Summary', ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join('\n');
}
