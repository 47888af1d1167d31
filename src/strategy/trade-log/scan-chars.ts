/** JSON whitespace on a line (space, tab, CR). */
export function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Only whitespace in `s[i, b)`. */
export function trailingOk(s: string, i: number, b: number): boolean {
  while (i < b && isWs(s.charCodeAt(i))) i++;
  return i === b;
}

/** The cells of a CSV header line, trimmed and unquoted. */
export function splitCsv(s: string, a: number, b: number): string[] {
  return s
    .slice(a, b)
    .replace(/\r$/, '')
    .split(',')
    .map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}
