import { isTimeZone } from '../util/time-zone.js';

/**
 * A cron pattern expanded field by field, for a timer or a plist that must fire exactly when
 * croner would. `null` in a day field means "any" (`*` or `?`).
 */
export interface CronCalendar {
  readonly expr: string;
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly days: readonly number[] | null;
  readonly months: readonly number[] | null;
  /** 0 = Sunday … 6 = Saturday (cron's 7 is folded into 0). */
  readonly weekdays: readonly number[] | null;
  readonly timezone: string;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  readonly what: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly nameBase?: number;
}

const SPECS = {
  second: { what: 'second', min: 0, max: 59 },
  minute: { what: 'minute', min: 0, max: 59 },
  hour: { what: 'hour', min: 0, max: 23 },
  day: { what: 'day of month', min: 1, max: 31 },
  month: { what: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  weekday: { what: 'weekday', min: 0, max: 7, names: DAYS, nameBase: 0 },
} satisfies Record<string, FieldSpec>;

function refuse(source: string, expr: string, why: string): never {
  throw new RangeError(`${source}: "${expr}" cannot be translated exactly: ${why}`);
}

/** Every value one cron field stands for, or null for `*` / `?`. */
function expand(field: string, spec: FieldSpec, source: string, expr: string): number[] | null {
  if (field === '*' || field === '?') return null;
  const num = (s: string): number => {
    const named = spec.names?.indexOf(s.toLowerCase()) ?? -1;
    if (named >= 0) return named + (spec.nameBase ?? 0);
    if (!/^\d+$/.test(s))
      refuse(source, expr, `${spec.what} "${s}" is not a number (L, W and # have no timer equivalent)`);
    const n = Number(s);
    if (n < spec.min || n > spec.max)
      refuse(source, expr, `${spec.what} ${n} is outside ${spec.min}-${spec.max}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (range === undefined || extra !== undefined)
      refuse(source, expr, `${spec.what} "${part}" is not a cron field`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      refuse(source, expr, `${spec.what} step "${stepText}" is not a whole number`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [spec.min, spec.what === 'weekday' ? 6 : spec.max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      lo = num(a ?? '');
      hi = num(b ?? '');
      if (hi < lo) refuse(source, expr, `${spec.what} range "${range}" runs backwards`);
    } else {
      lo = num(range);
      hi = stepText === undefined ? lo : spec.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(spec.what === 'weekday' && v === 7 ? 0 : v);
  }
  return [...out].sort((x, y) => x - y);
}

/**
 * Expands a cron pattern (5 fields, or 6 with seconds first, as croner reads them) into the sets
 * a systemd `OnCalendar=` or a launchd `StartCalendarInterval` can express. Refuses, with a
 * RangeError naming `source` and why, what no timer can express exactly: `L`, `W`, `#`, and a
 * day of month together with a weekday (cron runs when either matches, a timer only when both do).
 */
export function parseCronCalendar(expr: string, timezone: string, source: string): CronCalendar {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6)
    refuse(source, expr, 'expected 5 fields (minute hour day month weekday) or 6 (seconds first)');
  if (!isTimeZone(timezone)) throw new RangeError(`${source}: unknown time zone "${timezone}"`);
  const [s, m, h, dom, mon, dow] = fields.length === 6 ? fields : ['0', ...fields];
  const all = (f: string | undefined, spec: FieldSpec): number[] => {
    const v = expand(f ?? '', spec, source, expr);
    if (v !== null) return v;
    const full: number[] = [];
    for (let i = spec.min; i <= spec.max; i++) full.push(i);
    return full;
  };
  const days = expand(dom ?? '', SPECS.day, source, expr);
  const weekdays = expand(dow ?? '', SPECS.weekday, source, expr);
  if (days !== null && weekdays !== null)
    refuse(
      source,
      expr,
      'it restricts both the day of month and the weekday: cron runs when either matches, a timer only when both do; split it into two schedules',
    );
  return {
    expr,
    seconds: all(s, SPECS.second),
    minutes: all(m, SPECS.minute),
    hours: all(h, SPECS.hour),
    days,
    months: expand(mon ?? '', SPECS.month, source, expr),
    weekdays: weekdays !== null && weekdays.length === 7 ? null : weekdays,
    timezone,
  };
}

const two = (n: number): string => String(n).padStart(2, '0');

/** A sorted set as systemd writes it: `*`, `start/step` to the end, or ranges `a..b` and lists. */
function calendarField(values: readonly number[] | null, min: number, max: number, fmt = two): string {
  if (values === null || values.length === max - min + 1) return '*';
  const step = values.length > 1 ? values[1]! - values[0]! : 0;
  const progression =
    values.length > 2 &&
    step > 1 &&
    values.every((v, i) => v === values[0]! + i * step) &&
    values.at(-1)! + step > max;
  if (progression) return `${fmt(values[0]!)}/${step}`;
  const parts: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${fmt(values[i]!)}..${fmt(values[j]!)}`);
    else for (let k = i; k <= j; k++) parts.push(fmt(values[k]!));
    i = j + 1;
  }
  return parts.join(',');
}

const SYSTEMD_DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** systemd `OnCalendar=` firing exactly when the cron does, e.g. `Mon..Fri *-*-* 09..16:00/5:00 America/New_York`. */
export function toOnCalendarExpr(c: CronCalendar): string {
  // systemd counts weekdays from Monday.
  const wd = c.weekdays?.map((d) => (d + 6) % 7).sort((a, b) => a - b) ?? null;
  const weekday = wd === null ? '' : `${calendarField(wd, 0, 6, (d) => SYSTEMD_DAYS[d]!)} `;
  const date = `*-${calendarField(c.months, 1, 12)}-${calendarField(c.days, 1, 31)}`;
  const time = `${calendarField(c.hours, 0, 23)}:${calendarField(c.minutes, 0, 59)}:${calendarField(c.seconds, 0, 59)}`;
  return `${weekday}${date} ${time} ${c.timezone}`;
}

/** One launchd `StartCalendarInterval` dict; a key left out matches every value. */
export interface LaunchdInterval {
  readonly Minute: number;
  readonly Hour: number;
  readonly Day?: number;
  readonly Month?: number;
  readonly Weekday?: number;
}

/** The most StartCalendarInterval entries a schedule may expand to (one plist, read by launchd at load). */
export const MAX_LAUNCHD_INTERVALS = 5000;

/** Where a schedule came from, and what to tell the operator when launchd cannot run it. */
export interface LaunchdSource {
  /** The option or setting that holds the cron (`--bot-schedule`, `strategy.cron`). */
  readonly source: string;
  /** The option or setting that holds its time zone (`--bot-timezone`, `strategy.timezone`). */
  readonly zoneSetting: string;
  /** The other way to run it, e.g. `use systemd`. */
  readonly otherwise: string;
}

/**
 * launchd `StartCalendarInterval` entries firing exactly when the cron does, in the host's local
 * time: the product of every restricted field (launchd has no steps, ranges or lists). Refused
 * when the cron has seconds, when its zone's rules differ from the host's (launchd has no time
 * zone, and converting a weekday or a day across midnight is not exact), or when it expands to
 * more than MAX_LAUNCHD_INTERVALS entries; each refusal names `from.source` and the fix.
 */
export function toLaunchdIntervals(
  c: CronCalendar,
  hostTz: string,
  sameRules: (a: string, b: string) => boolean,
  from: LaunchdSource,
): LaunchdInterval[] {
  const { source, otherwise } = from;
  if (c.seconds.length !== 1 || c.seconds[0] !== 0)
    refuse(source, c.expr, `launchd has no seconds field; ${otherwise}`);
  if (!sameRules(c.timezone, hostTz))
    refuse(
      source,
      c.expr,
      `launchd has no time zone: the schedule is in ${c.timezone}, this host in ${hostTz}; give the host's zone (${from.zoneSetting} ${hostTz}), or ${otherwise}`,
    );
  const size =
    c.minutes.length *
    c.hours.length *
    (c.days?.length ?? 1) *
    (c.months?.length ?? 1) *
    (c.weekdays?.length ?? 1);
  if (size > MAX_LAUNCHD_INTERVALS)
    refuse(
      source,
      c.expr,
      `it expands to ${size} launchd entries (at most ${MAX_LAUNCHD_INTERVALS}); ${otherwise}`,
    );
  const out: LaunchdInterval[] = [];
  for (const month of c.months ?? [undefined])
    for (const day of c.days ?? [undefined])
      for (const weekday of c.weekdays ?? [undefined])
        for (const hour of c.hours)
          for (const minute of c.minutes)
            out.push({
              Minute: minute,
              Hour: hour,
              ...(day === undefined ? {} : { Day: day }),
              ...(month === undefined ? {} : { Month: month }),
              ...(weekday === undefined ? {} : { Weekday: weekday }),
            });
  return out;
}
