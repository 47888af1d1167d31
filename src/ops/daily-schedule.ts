import { isTimeZone } from '../util/time-zone.js';

/** A daily schedule taken from a cron expression of the form `M H * * *` (lists allowed: `0,30 9,21 * * *`). */
export interface DailySchedule {
  /** Minutes past the hour, sorted, 0-59. */
  readonly minutes: readonly number[];
  /** Hours of the day, sorted, 0-23. */
  readonly hours: readonly number[];
  /** IANA time zone the hours are in. */
  readonly tz: string;
}

function parseList(field: string, max: number, what: string, source: string, expr: string): number[] {
  const parts = field.split(',');
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,2}$/.test(p) || Number(p) > max) {
      throw new RangeError(
        `${source}: "${expr}": ${what} "${p}" is not a number 0-${max}; timers need fixed times of day ("M H * * *", lists allowed)`,
      );
    }
    out.push(Number(p));
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/**
 * Parses a simple daily cron (`M H * * *`, lists of numbers in M and H). Timers and plists need
 * fixed times of day; anything else (steps, ranges, days of week or month) is refused with a
 * RangeError that names `source`, so the operator can simplify it or edit the timer by hand.
 */
export function parseDailyCron(expr: string, tz: string, source: string): DailySchedule {
  const fields = expr.trim().split(/\s+/);
  const [m, h, dom, mon, dow] = fields;
  if (
    fields.length !== 5 ||
    m === undefined ||
    h === undefined ||
    dom !== '*' ||
    mon !== '*' ||
    (dow !== '*' && dow !== '?')
  ) {
    throw new RangeError(
      `${source}: "${expr}" is not a simple daily cron "M H * * *"; systemd timers and launchd plists are generated only for fixed times of day`,
    );
  }
  if (!isTimeZone(tz)) throw new RangeError(`${source}: unknown time zone "${tz}"`);
  return {
    minutes: parseList(m, 59, 'minute', source, expr),
    hours: parseList(h, 23, 'hour', source, expr),
    tz,
  };
}

/** True when `tz` is an IANA zone this Node knows (re-exported: `warden/ops` names it). */
export { isTimeZone };

const two = (n: number): string => String(n).padStart(2, '0');

/** systemd `OnCalendar=` value, e.g. `*-*-* 03:49:00 UTC`. */
export function toOnCalendar(s: DailySchedule): string {
  return `*-*-* ${s.hours.map(two).join(',')}:${s.minutes.map(two).join(',')}:00 ${s.tz}`;
}

/** The offset of `tz` from UTC at instant `at`, in minutes (east positive). */
function offsetMinutes(tz: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(new Date(at));
  const get = (t: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((asUtc - Math.floor(at / 60_000) * 60_000) / 60_000);
}

/** One launchd `StartCalendarInterval` entry. */
export interface CalendarInterval {
  readonly Hour: number;
  readonly Minute: number;
}

/** What converting a schedule to launchd's host-local time gave. */
export interface LaunchdTimes {
  readonly intervals: readonly CalendarInterval[];
  /** Set when the schedule's zone differs from the host's: launchd has no time zone, so the times were converted with today's offsets. */
  readonly warning: string | null;
}

/**
 * launchd's StartCalendarInterval is in the host's local time and has no time zone. When the
 * schedule's zone differs from `hostTz`, each time is converted with the offsets at `now`,
 * and a warning says that the run shifts by the DST difference until the plist is regenerated.
 */
export function toLaunchdTimes(s: DailySchedule, hostTz: string, now: number): LaunchdTimes {
  const shift = offsetMinutes(hostTz, now) - offsetMinutes(s.tz, now);
  const seen = new Map<string, CalendarInterval>();
  for (const h of s.hours) {
    for (const m of s.minutes) {
      const t = (((h * 60 + m + shift) % 1440) + 1440) % 1440;
      const iv = { Hour: Math.floor(t / 60), Minute: t % 60 };
      seen.set(`${iv.Hour}:${iv.Minute}`, iv);
    }
  }
  const intervals = [...seen.values()].sort((a, b) => a.Hour * 60 + a.Minute - (b.Hour * 60 + b.Minute));
  const warning =
    shift === 0 && sameZoneRules(s.tz, hostTz, now)
      ? null
      : `launchd has no time zone: ${s.hours.map(two).join(',')}:${s.minutes.map(two).join(',')} ${s.tz} was converted to host time (${hostTz}) with today's offsets; regenerate after a DST change`;
  return { intervals, warning };
}

/** True when zones `a` and `b` have the same UTC offset all year round from `now`. */
export function sameZoneRules(a: string, b: string, now: number): boolean {
  if (a === b) return true;
  // Compare offsets across a year: zones that agree at every sample need no warning.
  for (let d = 0; d < 365; d += 15) {
    const t = now + d * 86_400_000;
    if (offsetMinutes(a, t) !== offsetMinutes(b, t)) return false;
  }
  return true;
}
