import { neverAbortedSignal } from './policy.js';
import { systemTimers, type Timers } from './timers.js';

/**
 * Waits `ms` milliseconds; rejects with the signal's reason the moment it aborts
 * (the wait ends at once, it does not run to the end of the delay).
 */
export function abortableSleep(
  ms: number,
  signal: AbortSignal,
  timers: Timers = systemTimers,
): Promise<void> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  if (signal === neverAbortedSignal)
    return new Promise<void>((resolve) => void timers.setTimeout(resolve, ms)); // nothing to listen to
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      timers.clearTimeout(handle);
      reject(abortReason(signal));
    };
    const handle = timers.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The reason a signal aborted, as an Error. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
