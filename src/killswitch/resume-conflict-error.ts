import type { KillSwitchEvent } from '../store/index.js';
import { printable } from './printable.js';

/**
 * A resume named a halt that is no longer the newest event: a trip (or another resume) came
 * after what the person looked at. Nothing was written; look again and resume the new halt.
 */
export class ResumeConflictError extends Error {
  readonly code = 'E_RESUME_CONFLICT';
  constructor(
    /** The event id the resume named (null: it saw no event). */
    readonly expected: number | null,
    /** The newest event now. */
    readonly latest: KillSwitchEvent | null,
    /** What was written after the named event, oldest first. */
    readonly since: readonly KillSwitchEvent[],
  ) {
    const what = since
      .slice(-5)
      .map(
        (e) =>
          `#${e.id} ${e.action} by ${printable(e.by)} (${printable(e.source)}) at ${new Date(e.at).toISOString()}: ${printable(e.reason)}`,
      )
      .join('; ');
    super(
      `resume refused: the kill switch changed since you looked (you named event ${expected ?? 'none'}; since then: ${what || 'events you did not see'}). Look again (warden status) and resume event ${latest?.id ?? 'none'} if it is safe`,
    );
    this.name = 'ResumeConflictError';
  }
}
