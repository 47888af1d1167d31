const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Parses a JSON-style number in `s[a, b)` without allocating, or returns NaN. Short decimals
 * are computed as mantissa / 10^k (both exact, so the result is the correctly rounded double,
 * identical to `Number()`); anything longer or with an exponent goes through `Number()`.
 */
export function parseNumber(s: string, a: number, b: number): number {
  let i = a;
  let neg = false;
  if (i < b && s.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  if (i >= b) return NaN;
  let m = 0;
  let digitsSeen = 0;
  let frac = -1;
  for (; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digitsSeen++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) {
      frac = 0;
    } else {
      return slow(s, a, b);
    }
  }
  if (digitsSeen === 0 || frac === 0 || digitsSeen > 15) return slow(s, a, b);
  const v = frac > 0 ? m / (POW10[frac] as number) : m;
  return neg ? -v : v;
}

function slow(s: string, a: number, b: number): number {
  const t = s.slice(a, b).trim();
  if (t === '' || !/^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return NaN;
  return Number(t);
}
