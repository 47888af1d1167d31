/** The mask that replaces a secret. */
export const MASK = '***';

/** Shows a URL without its secret part: `https://hooks.slack.com/***`. */
export function maskUrl(url: string): string {
  try {
    return `${new URL(url).origin}/${MASK}`;
  } catch {
    return MASK;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Removes secrets (tokens, webhook URLs and their paths) from any text before it is logged,
 * recorded in the outbox or put in an error.
 */
export class Redactor {
  readonly #secrets: readonly string[];

  /** `secrets` are replaced wherever they appear; a URL is also replaced by its masked form. */
  constructor(secrets: readonly (string | null | undefined)[]) {
    const list: string[] = [];
    for (const s of secrets) {
      if (s === null || s === undefined || s.length < 4) continue;
      list.push(s);
      try {
        const u = new URL(s);
        // Also the pieces an HTTP library might print on their own.
        const tail = `${u.pathname}${u.search}`;
        if (tail.length > 1) list.push(tail);
        if (u.password !== '') list.push(u.password);
        list.push(safeDecode(tail));
      } catch {
        list.push(encodeURIComponent(s));
      }
    }
    // Longest first, so a URL is masked whole before its path is.
    this.#secrets = Object.freeze(
      [...new Set(list)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length),
    );
  }

  /** `text` with every secret masked. */
  redact(text: string): string {
    let out = text;
    for (const s of this.#secrets) {
      if (!out.includes(s)) continue;
      let masked = MASK;
      if (/^https?:\/\//.test(s)) masked = maskUrl(s);
      out = out.split(s).join(masked);
    }
    return out;
  }
}
