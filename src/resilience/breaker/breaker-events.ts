import { EventSource } from '../../util/event.js';
import type { FailureEvent, RejectEvent, StateChangeEvent, SuccessEvent } from './breaker-types.js';

/**
 * A breaker's four events. The breaker checks a source's `size` before building a payload, so
 * nothing is computed for an event nobody listens to; `onTimedChange` runs when a success or
 * failure listener comes or goes (those carry a duration, so the breaker must read the clock).
 */
export class BreakerEvents {
  readonly stateChange = new EventSource<StateChangeEvent>();
  readonly success: EventSource<SuccessEvent>;
  readonly failure: EventSource<FailureEvent>;
  readonly reject = new EventSource<RejectEvent>();

  constructor(onTimedChange: () => void) {
    this.success = new EventSource<SuccessEvent>(onTimedChange);
    this.failure = new EventSource<FailureEvent>(onTimedChange);
  }
}
