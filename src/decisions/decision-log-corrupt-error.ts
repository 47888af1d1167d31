/** The log's last complete line is damaged (not a torn write): the writer refuses to extend a broken chain. */
export class DecisionLogCorruptError extends Error {
  readonly code = 'E_DECISION_LOG_CORRUPT';
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`decision log ${file}: ${detail}; run \`warden log verify\` and restore the file before appending`);
    this.name = 'DecisionLogCorruptError';
  }
}
