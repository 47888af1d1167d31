function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeap(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The last valid date (`YYYY-MM-DD`) read, and its ms. */
let lastDate = '1970-01-01';
let lastDateMs = 0;

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(at + i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parses an ISO-8601 timestamp in `s[start, end)` to epoch milliseconds, or NaN.
 * Accepts `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff…]]` (T or space), then `Z`, `±HH:MM`,
 * `±HHMM`, `±HH` or nothing. A time without a zone is UTC, as pandas' `utc=True` reads it
 * (not local time, as `Date.parse` would). Digits past milliseconds are truncated, which
 * keeps `ts >= cutoff` exact for a cutoff in whole milliseconds.
 */
export function parseIsoMs(s: string, start = 0, end = s.length): number {
  if (end - start < 10) return NaN;
  let ms: number;
  if (s.startsWith(lastDate, start))
    ms = lastDateMs; // a log's lines mostly share their day
  else {
    const y = digits(s, start, 4);
    if (y < 0 || s.charCodeAt(start + 4) !== 45 || s.charCodeAt(start + 7) !== 45) return NaN;
    const mo = digits(s, start + 5, 2);
    const d = digits(s, start + 8, 2);
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
    ms = daysFromCivil(y, mo, d) * 86_400_000;
    lastDate = s.slice(start, start + 10);
    lastDateMs = ms;
  }
  let i = start + 10;
  if (i === end) return ms;
  const sep = s.charCodeAt(i);
  if (sep !== 84 && sep !== 32 && sep !== 116) return NaN; // T, space, t
  i++;
  if (end - i < 5) return NaN;
  const h = digits(s, i, 2);
  const mi = digits(s, i + 3, 2);
  if (h < 0 || h > 23 || s.charCodeAt(i + 2) !== 58 || mi < 0 || mi > 59) return NaN;
  ms += h * 3_600_000 + mi * 60_000;
  i += 5;
  if (i < end && s.charCodeAt(i) === 58) {
    const sec = digits(s, i + 1, 2);
    if (sec < 0 || sec > 59 || i + 3 > end) return NaN;
    ms += sec * 1000;
    i += 3;
    if (i < end && (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44)) {
      i++;
      let frac = 0;
      let n = 0;
      while (i < end) {
        const c = s.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        if (n < 3) frac = frac * 10 + c;
        n++;
        i++;
      }
      if (n === 0) return NaN;
      for (let k = n; k < 3; k++) frac *= 10;
      ms += frac;
    }
  }
  if (i === end) return ms;
  const z = s.charCodeAt(i);
  if ((z === 90 || z === 122) && i + 1 === end) return ms; // Z
  if (z !== 43 && z !== 45) return NaN;
  const sign = z === 43 ? 1 : -1;
  const rest = end - i - 1;
  const oh = digits(s, i + 1, 2);
  let om = 0;
  if (rest === 2) om = 0;
  else if (rest === 4) om = digits(s, i + 3, 2);
  else if (rest === 5 && s.charCodeAt(i + 3) === 58) om = digits(s, i + 4, 2);
  else return NaN;
  if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
  return ms - sign * (oh * 3_600_000 + om * 60_000);
}

/** The last valid minute (`YYYY-MM-DDTHH:MM`, as bytes, any separator) `parseIsoBytes` read, and its ms. */
const lastMinute = new Uint8Array(16);
let lastMinuteMs = NaN;

/** The last valid date (`YYYY-MM-DD`, as bytes) `parseIsoBytes` read, and its ms. */
const lastDateBytes = new Uint8Array(10);
let lastDateBytesMs = NaN;

function digitsAt(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = (b[at + i] as number) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * `parseIsoMs` over the bytes `b[start, end)` of an ASCII timestamp (the byte-level parser's):
 * the same formats, the same result to the millisecond, without decoding a string.
 */
export function parseIsoBytes(b: Uint8Array, start: number, end: number): number {
  // The usual case, `YYYY-MM-DDTHH:MM:SS.sssZ` in the same minute as the last one read: only the
  // seconds are read (the minute's ms were worked out below for the same 16 bytes).
  if (end - start === 24 && lastMinuteMs === lastMinuteMs) {
    let same = true;
    for (let k = 15; same && k >= 0; k--) same = b[start + k] === lastMinute[k];
    if (same && b[start + 16] === 58 && b[start + 19] === 46 && b[start + 23] === 90) {
      const s1 = (b[start + 17] as number) - 48;
      const s2 = (b[start + 18] as number) - 48;
      const f1 = (b[start + 20] as number) - 48;
      const f2 = (b[start + 21] as number) - 48;
      const f3 = (b[start + 22] as number) - 48;
      if (
        s1 >= 0 &&
        s1 <= 5 &&
        s2 >= 0 &&
        s2 <= 9 &&
        f1 >= 0 &&
        f1 <= 9 &&
        f2 >= 0 &&
        f2 <= 9 &&
        f3 >= 0 &&
        f3 <= 9
      )
        return lastMinuteMs + (s1 * 10 + s2) * 1000 + (f1 * 100 + f2 * 10 + f3);
    }
  }
  if (end - start < 10) return NaN;
  let ms: number;
  let same = lastDateBytesMs === lastDateBytesMs;
  for (let k = 0; same && k < 10; k++) same = b[start + k] === lastDateBytes[k];
  if (same) ms = lastDateBytesMs;
  else {
    const y = digitsAt(b, start, 4);
    if (y < 0 || b[start + 4] !== 45 || b[start + 7] !== 45) return NaN;
    const mo = digitsAt(b, start + 5, 2);
    const d = digitsAt(b, start + 8, 2);
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
    ms = daysFromCivil(y, mo, d) * 86_400_000;
    for (let k = 0; k < 10; k++) lastDateBytes[k] = b[start + k] as number;
    lastDateBytesMs = ms;
  }
  let i = start + 10;
  if (i === end) return ms;
  const sep = b[i];
  if (sep !== 84 && sep !== 32 && sep !== 116) return NaN; // T, space, t
  i++;
  if (end - i < 5) return NaN;
  const h = digitsAt(b, i, 2);
  const mi = digitsAt(b, i + 3, 2);
  if (h < 0 || h > 23 || b[i + 2] !== 58 || mi < 0 || mi > 59) return NaN;
  ms += h * 3_600_000 + mi * 60_000;
  i += 5;
  if (i === start + 16) {
    for (let k = 0; k < 16; k++) lastMinute[k] = b[start + k] as number;
    lastMinuteMs = ms;
  }
  if (i < end && b[i] === 58) {
    if (i + 3 > end) return NaN;
    const sec = digitsAt(b, i + 1, 2);
    if (sec < 0 || sec > 59) return NaN;
    ms += sec * 1000;
    i += 3;
    if (i < end && (b[i] === 46 || b[i] === 44)) {
      i++;
      let frac = 0;
      let n = 0;
      while (i < end) {
        const c = (b[i] as number) - 48;
        if (c < 0 || c > 9) break;
        if (n < 3) frac = frac * 10 + c;
        n++;
        i++;
      }
      if (n === 0) return NaN;
      for (let k = n; k < 3; k++) frac *= 10;
      ms += frac;
    }
  }
  if (i === end) return ms;
  const z = b[i];
  if ((z === 90 || z === 122) && i + 1 === end) return ms; // Z
  if (z !== 43 && z !== 45) return NaN;
  const sign = z === 43 ? 1 : -1;
  const rest = end - i - 1;
  if (rest !== 2 && rest !== 4 && !(rest === 5 && b[i + 3] === 58)) return NaN;
  const oh = digitsAt(b, i + 1, 2);
  const om = rest === 2 ? 0 : digitsAt(b, rest === 4 ? i + 3 : i + 4, 2);
  if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
  return ms - sign * (oh * 3_600_000 + om * 60_000);
}
