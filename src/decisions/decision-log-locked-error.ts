/** Another live process holds the decision log's writer lock: a second writer would fork the chain. */
export class DecisionLogLockedError extends Error {
  readonly code = 'E_DECISION_LOG_LOCKED';
  constructor(
    readonly lockFile: string,
    readonly owner: string,
    options?: { cause?: unknown },
  ) {
    super(
      `decision log is held by ${owner} (lock ${lockFile}); only one process may append: send decisions through it, or stop it first`,
      options,
    );
    this.name = 'DecisionLogLockedError';
  }
}
