/** What is wrong with a trade line. */
export type IssueKind =
  | 'malformed'
  | 'missing_field'
  | 'non_numeric'
  | 'bad_timestamp'
  /** `ts` later than the evaluation time plus the tolerance. */
  | 'future_timestamp'
  /** size <= 0: a trade has a positive size (a sign in it would flip the ROI). */
  | 'non_positive_size'
  /** entry price <= 0: the cost of a trade is positive. */
  | 'non_positive_entry_price'
  /** Longer than the reader's limit (16 MiB), skipped unread. */
  | 'oversized';

/** Outcome of parsing one line: a resolved trade, a line to skip, or an issue. */
export const LineResult = { Trade: 0, Unresolved: 1, Blank: 2, Issue: 3 } as const;
export type LineResult = (typeof LineResult)[keyof typeof LineResult];
