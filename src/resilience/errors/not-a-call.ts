/**
 * Marks an error that a protected function throws before it called the dependency at all (a
 * veto, a precondition that failed): a circuit breaker counts it neither as a success nor as a
 * failure, its trip rule never sees it, and a half-open probe it held is given back, so that the
 * next real call probes. Set it as an own property: `err[NOT_A_CALL] = true`.
 */
export const NOT_A_CALL: unique symbol = Symbol.for('warden.resilience.notACall');

/** Whether `err` says the dependency was not called (see `NOT_A_CALL`). */
export function isNotACall(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { [NOT_A_CALL]?: unknown })[NOT_A_CALL] === true;
}
