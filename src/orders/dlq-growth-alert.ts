import type { ResolvedExecutorOptions } from './executor-options.js';

/**
 * Fires the DLQ-size alert once per growth episode: when the open entries first exceed the
 * threshold. The episode ends when they drop back to it (a resolve, a replay, a confirmed
 * placement), and the next growth past it alerts again, under a new incident key.
 */
export async function alertIfDlqGrew(
  o: Pick<ResolvedExecutorOptions, 'dlq' | 'alerts' | 'dlqAlertThreshold' | 'clock'>,
  key: string,
  reason: string,
): Promise<void> {
  const g = await o.dlq.trackGrowth(o.dlqAlertThreshold, o.clock.now());
  if (!g.started) return;
  const open = g.open;
  await o.alerts.alert({
    key: `orders.dlq.size.${g.episode}`,
    severity: 'warning',
    title: `order dead-letter queue holds ${open} open entries (threshold ${o.dlqAlertThreshold})`,
    body: `latest: ${key} (${reason}). Inspect with \`warden dlq list\`; replay or resolve each entry.`,
  });
}
