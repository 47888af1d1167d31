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
