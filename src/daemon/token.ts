import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented token with the expected one in constant time: both are hashed first,
 * so neither the length nor the content leaks through timing. An unset expected token matches nothing.
 */
export function tokenMatches(presented: string | undefined, expected: string | undefined): boolean {
  if (!expected || presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The SHA-256 digest of the expected token, computed once (an `AuthGuard` keeps it), or null when unset. */
export function tokenDigest(expected: string | undefined): Buffer | null {
  return expected ? createHash('sha256').update(expected).digest() : null;
}

/**
 * `tokenMatches` against a digest made once by `tokenDigest`: one hash per request instead of
 * two, the same constant-time compare. A null digest (no token set) matches nothing.
 */
export function digestMatches(presented: string | undefined, digest: Buffer | null): boolean {
  if (digest === null || presented === undefined) return false;
  return timingSafeEqual(createHash('sha256').update(presented).digest(), digest);
}

/** The token from an `Authorization: Bearer …` header, or undefined. */
export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  return m ? m[1] : undefined;
}
