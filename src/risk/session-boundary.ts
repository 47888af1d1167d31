import { Cron } from 'croner';

/** When a session starts: a cron pattern (croner syntax), or a daily `HH:MM`; in a time zone (default UTC). */
export type SessionBoundarySpec =
  | { readonly cron: string; readonly timezone?: string }
  | { readonly dailyAt: string; readonly timezone?: string };

/** The next session boundary after a time, from a validated spec. */
export class SessionBoundary {
  readonly #cron: Cron;
  /** The pattern in croner syntax. */
  readonly pattern: string;
  readonly timezone: string;

  constructor(spec: SessionBoundarySpec) {
    this.timezone = spec.timezone ?? 'UTC';
    if ('dailyAt' in spec) {
      const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(spec.dailyAt);
      if (!m)
        throw new RangeError(`boundary.dailyAt: expected HH:MM (24 h), got ${JSON.stringify(spec.dailyAt)}`);
      this.pattern = `${Number(m[2])} ${Number(m[1])} * * *`;
    } else this.pattern = spec.cron;
    try {
      this.#cron = new Cron(this.pattern, { timezone: this.timezone, paused: true });
    } catch (err) {
      throw new RangeError(
        `boundary: bad cron ${JSON.stringify(this.pattern)} or timezone ${this.timezone}: ${(err as Error).message}`,
      );
    }
    if (this.#cron.nextRun(new Date(0)) === null)
      throw new RangeError(`boundary: ${this.pattern} never fires`);
  }

  /** The first boundary strictly after `t` (ms), or Infinity when the pattern has no more runs. */
  next(t: number): number {
    const d = this.#cron.nextRun(new Date(t));
    return d === null ? Infinity : d.getTime();
  }
}
