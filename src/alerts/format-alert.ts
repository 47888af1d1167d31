import type { AlertMessage } from './types.js';

/** `[CRITICAL] title` */
export function headline(m: AlertMessage): string {
  return `[${m.severity.toUpperCase()}] ${m.title}`;
}

/** `key: K · raised 2026-11-24 09:00:00 UTC`: the incident and when it was raised (a retried alert may arrive late). */
export function footer(m: AlertMessage): string {
  const iso = new Date(m.at).toISOString();
  return `key: ${m.key} · raised ${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** Headline, then the body, then the footer: the plain-text form most channels take. */
export function plainText(m: AlertMessage): string {
  const body = m.body.trim();
  return `${headline(m)}${body === '' ? '' : `\n${body}`}\n${footer(m)}`;
}

/** Cuts `text` to at most `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
