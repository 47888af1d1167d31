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

/**
 * Path words of the channels' public URL shapes (`/services/…`, `/api/webhooks/…`,
 * `/bot…/sendMessage`): they identify no one, so they are not masked on their own.
 */
const PUBLIC_SEGMENTS = new Set(['services', 'webhooks', 'sendMessage', 'hooks', 'api', 'slack']);

/** A fragment masked on its own: 8 characters or more, or 6 with a digit in them. */
const isIdentifying = (part: string): boolean =>
  !PUBLIC_SEGMENTS.has(part) && (part.length >= 8 || (part.length >= 6 && /\d/.test(part)));

/** Token parts: the pieces between separators (`<bot id>:<secret>` gives both). */
const tokenParts = (s: string): string[] => s.split(/[^A-Za-z0-9_-]+/).filter(isIdentifying);

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `text` JSON-escaped as it appears inside a JSON string (without the quotes). */
const jsonEscaped = (text: string): string => JSON.stringify(text).slice(1, -1);

/**
 * The forms in which an endpoint may echo `s`: raw, JSON-escaped (`\/` and `\u002f` for `/`
 * too), URL-encoded (upper- and lower-case hex) and URL-encoded then JSON-escaped.
 */
function forms(s: string): string[] {
  const json = jsonEscaped(s);
  const url = encodeURIComponent(s);
  return [
    s,
    json,
    json.replace(/\//g, '\\/'),
    json.replace(/\//g, '\\u002f'),
    json.replace(/\//g, '\\u002F'),
    url,
    url.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    encodeURI(s),
  ];
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes secrets (tokens, webhook URLs) from any text before it is logged, recorded in the
 * outbox, exported or put in an error: the whole secret, and every identifying fragment of it
 * (each part of a token, each long path segment and query value of a URL), each in raw,
 * JSON-escaped and URL-encoded form, so an endpoint that echoes a piece of the request in
 * its error cannot leak it.
 */
export class Redactor {
  /** One alternation of every form, longest first; null when there is nothing to mask. */
  readonly #pattern: RegExp | null;
  /** Form → what replaces it (a URL keeps its origin). */
  readonly #replacement = new Map<string, string>();

  /** `secrets` are masked wherever they appear; a URL is replaced by its masked form. */
  constructor(secrets: readonly (string | null | undefined)[]) {
    const add = (fragment: string, replacement: string): void => {
      for (const f of forms(fragment)) {
        if (f.length >= 4 && !this.#replacement.has(f)) this.#replacement.set(f, replacement);
      }
    };
    for (const s of secrets) {
      if (s === null || s === undefined || s.length < 4) continue;
      add(s, /^https?:\/\//i.test(s) ? maskUrl(s) : MASK);
      let u: URL | null = null;
      try {
        u = new URL(s);
      } catch {
        u = null;
      }
      if (u === null || !/^https?:$/.test(u.protocol)) {
        for (const p of tokenParts(s)) add(p, MASK);
        continue;
      }
      // The pieces an HTTP library or an endpoint might print on their own.
      const tail = `${u.pathname}${u.search}`;
      if (tail.length > 1) {
        add(tail, MASK);
        add(safeDecode(tail), MASK);
      }
      if (u.username !== '') add(safeDecode(u.username), MASK);
      if (u.password !== '') add(safeDecode(u.password), MASK);
      const pieces = [...u.pathname.split('/'), ...[...u.searchParams].flat(), u.hash.slice(1)];
      for (const raw of pieces) {
        const piece = safeDecode(raw);
        if (isIdentifying(piece)) add(piece, MASK);
        for (const p of tokenParts(piece)) add(p, MASK); // `bot<id>:<secret>` → `<id>`, `<secret>`
      }
    }
    const all = [...this.#replacement.keys()].sort((a, b) => b.length - a.length);
    this.#pattern = all.length === 0 ? null : new RegExp(all.map(escapeRegExp).join('|'), 'g');
  }

  /** `text` with every secret and every identifying fragment of one masked. */
  redact(text: string): string {
    if (this.#pattern === null) return text;
    return text.replace(this.#pattern, (m) => this.#replacement.get(m) ?? MASK);
  }
}
