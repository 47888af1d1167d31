/** The longest error text the outbox stores for one attempt (characters, after redaction). */
export const MAX_STORED_ERROR = 500;

/**
 * The error text the alerter records and logs for a failed send: redacted by the channel
 * first (defence in depth: a notifier that threw has not redacted anything), then cut to one
 * line of at most `MAX_STORED_ERROR` characters.
 */
export function storedError(text: string, redact: ((text: string) => string) | undefined): string {
  const flat = (redact === undefined ? text : redact(text)).replace(/\s+/g, ' ').trim();
  return flat.length > MAX_STORED_ERROR ? `${flat.slice(0, MAX_STORED_ERROR - 1)}…` : flat;
}
