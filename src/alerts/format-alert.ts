import type { AlertMessage } from './types.js';

/** `[CRITICAL] title` */
export function headline(m: AlertMessage): string {
  return `[${m.severity.toUpperCase()}] ${m.title}`;
}

/** Headline, then the body, then the incident key: the plain-text form most channels take. */
export function plainText(m: AlertMessage): string {
  const body = m.body.trim();
  return `${headline(m)}${body === '' ? '' : `\n${body}`}\nkey: ${m.key}`;
}

/** Cuts `text` to at most `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
