import { hostname } from 'node:os';
import type { FleetRepo } from '../store/index.js';

/** Options of `startPresence`. */
export interface PresenceOptions {
  /** Where presence is recorded: the store's fleet repo. */
  readonly sink: Pick<FleetRepo, 'touch' | 'remove'>;
  /** What this process is: `daemon`, `bot`... */
  readonly role: string;
  /** Detail recorded with each touch (read every time: the daemon's leadership, a bot's name). */
  readonly info?: () => Record<string, unknown>;
  /** Touch this often (ms). Default 5000. */
  readonly everyMs?: number;
  readonly host?: string;
  /** Told when a touch fails (it is retried on the next tick). */
  readonly onError?: (err: unknown) => void;
}

/**
 * Records this process in the fleet (host, pid, role, last seen by the store's clock) at once,
 * then on an unref'd timer and whenever `touchNow()` is called (a leadership change). `close()`
 * removes the row of a clean exit; a process that dies is seen by its last-seen age.
 */
export function startPresence(opts: PresenceOptions): { touchNow(): void; close(): Promise<void> } {
  const everyMs = opts.everyMs ?? 5000;
  if (!(everyMs > 0)) throw new RangeError(`everyMs: expected a number > 0, got ${everyMs}`);
  const host = opts.host ?? hostname();
  const fail = opts.onError ?? (() => undefined);
  let closed = false;
  const touch = (): void => {
    if (closed) return;
    opts.sink.touch({ host, pid: process.pid, role: opts.role, info: opts.info?.() }).catch(fail);
  };
  touch();
  const timer = setInterval(touch, everyMs);
  timer.unref();
  return {
    touchNow: touch,
    close: async () => {
      closed = true;
      clearInterval(timer);
      await opts.sink.remove(host, process.pid, opts.role).then(() => undefined, fail);
    },
  };
}
