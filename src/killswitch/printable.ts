/**
 * Escapes control characters (C0, DEL, C1, line and paragraph separators, bidi overrides) so a
 * reason, a name or a host cannot move the cursor, clear a line or start a new one: a reason
 * must not be able to print a fake "RUNNING" line. `\n` becomes the two characters `\n`.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
}
