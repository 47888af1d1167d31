/** The timer functions policies use; injected so tests drive time by hand and never sleep. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers; every timer is `unref()`'d so a pending wait never keeps the process alive. */
export const systemTimers: Timers = Object.freeze({
  setTimeout(callback: () => void, ms: number): unknown {
    const t = setTimeout(callback, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
  },
});
