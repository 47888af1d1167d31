import type { IssueKind } from './trade-line-parser.js';

/** One bad line, as shown to the user. */
export interface IssueExample {
  readonly line: number;
  readonly kind: IssueKind;
  /** The field at fault, '' for a malformed line. */
  readonly field: string;
  /** The start of the line. */
  readonly text: string;
}

/** Counts of what a scan skipped, and the first few bad lines. */
export interface IssueSummary {
  /** Lines that could not be used, by kind. */
  counts: Partial<Record<IssueKind, number>>;
  total: number;
  examples: IssueExample[];
  /** Lines whose `resolved` is null or absent (ignored, as in the seed). */
  unresolved: number;
  /** Usable resolved trades read (in the window or not). */
  resolved: number;
  blank: number;
}

const MAX_EXAMPLES = 5;

/** Collects bad lines: every one counted, the first few kept with line number and text. */
export class IssueReport {
  readonly summary: IssueSummary;

  constructor(initial?: IssueSummary) {
    this.summary = initial
      ? structuredClone(initial)
      : { counts: {}, total: 0, examples: [], unresolved: 0, resolved: 0, blank: 0 };
  }

  add(kind: IssueKind, field: string, line: number, s: string, a: number, b: number): void {
    const sum = this.summary;
    sum.counts[kind] = (sum.counts[kind] ?? 0) + 1;
    sum.total++;
    if (sum.examples.length < MAX_EXAMPLES) {
      sum.examples.push({ line, kind, field, text: s.slice(a, Math.min(b, a + 120)) });
    }
  }

  /**
   * Sets the summary to `base` plus `part`, a summary of a later piece of the log whose line
   * numbers start after `lineBase` lines: counts add up, examples stay the first few in line order.
   */
  combine(base: IssueSummary, part: IssueSummary, lineBase: number): void {
    const sum = this.summary;
    const counts: Partial<Record<IssueKind, number>> = { ...base.counts };
    for (const [k, n] of Object.entries(part.counts) as [IssueKind, number][])
      counts[k] = (counts[k] ?? 0) + n;
    sum.counts = counts;
    sum.total = base.total + part.total;
    sum.examples = base.examples.slice();
    for (const e of part.examples) {
      if (sum.examples.length >= MAX_EXAMPLES) break;
      sum.examples.push({ ...e, line: e.line + lineBase });
    }
    sum.unresolved = base.unresolved + part.unresolved;
    sum.resolved = base.resolved + part.resolved;
    sum.blank = base.blank + part.blank;
  }

  /** Counts a line too long to read (its text is not kept, only its length). */
  addOversized(line: number, bytes: number): void {
    const text = `(${bytes} bytes, longer than the limit; skipped unread)`;
    this.add('oversized', '', line, text, 0, text.length);
  }
}

/** One line per issue kind plus the examples, e.g. for the CLI's stderr. */
export function describeIssues(sum: IssueSummary, file: string): string[] {
  if (sum.total === 0) return [];
  const kinds = Object.entries(sum.counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const lines = [`${file}: ${sum.total} line(s) skipped (${kinds})`];
  for (const e of sum.examples) {
    lines.push(`  ${file}:${e.line}: ${e.kind}${e.field ? ` (${e.field})` : ''}: ${e.text}`);
  }
  return lines;
}
