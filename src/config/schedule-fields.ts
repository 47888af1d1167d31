import { Cron } from 'croner';
import { isTimeZone } from '../util/time-zone.js';
import type { WardenConfig } from './schema.js';

/** One schedule of the config: a cron pattern (croner syntax) and the time zone it is read in. */
export interface ScheduleField {
  /** The field path of the pattern, e.g. `heartbeats[1].cron`. */
  readonly field: string;
  readonly cron: string;
  /** The field path of its time zone. */
  readonly timezoneField: string;
  readonly timezone: string;
}

/** Every cron field of a config: heartbeat expectations, the reminder, the evaluation, the loss limit's session. */
export function scheduleFields(c: WardenConfig): ScheduleField[] {
  const out: ScheduleField[] = [];
  c.heartbeats.forEach((h, i) => {
    if (h.cron !== undefined)
      out.push({
        field: `heartbeats[${i}].cron`,
        cron: h.cron,
        timezoneField: `heartbeats[${i}].timezone`,
        timezone: h.timezone,
      });
  });
  out.push({
    field: 'killSwitch.reminderCron',
    cron: c.killSwitch.reminderCron,
    timezoneField: 'killSwitch.reminderTimezone',
    timezone: c.killSwitch.reminderTimezone,
  });
  out.push({
    field: 'strategy.cron',
    cron: c.strategy.cron,
    timezoneField: 'strategy.timezone',
    timezone: c.strategy.timezone,
  });
  const loss = c.lossLimit;
  if (loss !== undefined) {
    if (loss.cron !== undefined)
      out.push({
        field: 'lossLimit.cron',
        cron: loss.cron,
        timezoneField: 'lossLimit.timezone',
        timezone: loss.timezone,
      });
    else if (!isTimeZone(loss.timezone))
      out.push({
        field: 'lossLimit.dailyAt',
        cron: '0 0 * * *',
        timezoneField: 'lossLimit.timezone',
        timezone: loss.timezone,
      });
  }
  return out;
}

/**
 * What is wrong with the config's schedules, one line per field naming the field and the value:
 * a pattern croner refuses, one that never fires, an unknown time zone. Empty when all are good.
 */
export function scheduleProblems(c: WardenConfig): string[] {
  const problems: string[] = [];
  for (const s of scheduleFields(c)) {
    if (!isTimeZone(s.timezone)) {
      problems.push(
        `field ${s.timezoneField}: unknown time zone ${JSON.stringify(s.timezone)} (expected an IANA name such as "UTC" or "Europe/Berlin")`,
      );
      continue;
    }
    let next: Date | null;
    try {
      // Whether a pattern ever fires does not depend on the zone (checked above); croner converts
      // to a zone through Intl's locale data, which costs tens of ms at every command's start.
      next = new Cron(s.cron, { paused: true }).nextRun();
    } catch (err) {
      problems.push(
        `field ${s.field}: not a cron pattern ${JSON.stringify(s.cron)} (${(err as Error).message.replace(/^CronPattern: /, '')})`,
      );
      continue;
    }
    if (next === null)
      problems.push(`field ${s.field}: the cron pattern ${JSON.stringify(s.cron)} never fires`);
  }
  return problems;
}
