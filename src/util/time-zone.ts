/** The canonical IANA names this Node knows, read once (cheap: no formatter, no locale data). */
let canonical: ReadonlySet<string> | undefined;

/** Zones every ICU build has that `supportedValuesOf` lists under another name (the defaults). */
const ALWAYS = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);

/**
 * True when `tz` is an IANA time zone this Node knows (`UTC`, `Europe/Berlin`, or an alias such
 * as `US/Eastern`). A canonical name is found in `Intl.supportedValuesOf`, which costs about 2 ms;
 * anything else is tried with `Intl.DateTimeFormat`, whose first use loads the locale data (tens
 * of ms at start-up), so only an alias or a bad name pays for it.
 */
export function isTimeZone(tz: string): boolean {
  if (ALWAYS.has(tz)) return true;
  canonical ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonical.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The offset of `tz` from UTC at instant `at`, in minutes (east positive). */
export function offsetMinutes(tz: string, at: number): number {
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

/** True when zones `a` and `b` have the same UTC offset all year round from `now` (sampled every 15 days). */
export function sameZoneRules(a: string, b: string, now: number): boolean {
  if (a === b) return true;
  for (let d = 0; d < 365; d += 15) {
    const t = now + d * 86_400_000;
    if (offsetMinutes(a, t) !== offsetMinutes(b, t)) return false;
  }
  return true;
}
