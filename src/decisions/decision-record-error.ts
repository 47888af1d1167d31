/** A decision that cannot be written canonically (NaN, a function, a cycle, a bad kind): nothing was appended. */
export class DecisionRecordError extends RangeError {
  readonly code = 'E_DECISION_RECORD';
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`decision ${path}: ${detail}`);
    this.name = 'DecisionRecordError';
  }
}
