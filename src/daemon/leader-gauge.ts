import { Gauge, type Registry } from 'prom-client';

/** `warden_leader`: 1 while this daemon leads (runs the watchdog, the schedules, the Telegram commands), else 0. */
export function leaderGauge(registry: Registry, leading: () => boolean): void {
  new Gauge({
    name: 'warden_leader',
    help: "1 while this daemon is its store's leader (runs the watchdog, schedules, reminders, Telegram commands), 0 on standby",
    registers: [registry],
    collect() {
      this.set(leading() ? 1 : 0);
    },
  });
}
