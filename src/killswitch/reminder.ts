import { Cron } from 'croner';
import type { AlertSink } from '../util/alert-sink.js';
import type { KillSwitch } from './kill-switch.js';

/** Sends one reminder when trading is halted (seed 001's daily notify-resume). Returns whether it did. */
export async function remindIfHalted(ks: KillSwitch, alerts: AlertSink, now: number): Promise<boolean> {
  const s = await ks.refresh();
  if (!s.halted) return false;
  const hours = Math.max(0, (now - s.since) / 3_600_000);
  await alerts.alert({
    // One reminder per halt per day, whoever sends it (timer, daemon, CLI).
    key: `killswitch:reminder:${s.since}:${new Date(now).toISOString().slice(0, 10)}`,
    severity: 'warning',
    title: 'Trading is still halted',
    body: `Halted for ${hours.toFixed(1)} h (${s.source}): ${s.reason}. Nothing resumes by itself: warden resume --reason "..." --by NAME`,
  });
  return true;
}

/** Runs `remindIfHalted` on a cron schedule until `close()`. */
export function startReminders(opts: {
  killSwitch: KillSwitch;
  alerts: AlertSink;
  cron: string;
  timezone: string;
  now?: () => number;
  onError?: (err: unknown) => void;
}): { close(): void } {
  const now = opts.now ?? Date.now;
  const job = new Cron(opts.cron, { timezone: opts.timezone, unref: true, protect: true }, () => {
    remindIfHalted(opts.killSwitch, opts.alerts, now()).catch((err: unknown) => opts.onError?.(err));
  });
  return { close: () => job.stop() };
}
