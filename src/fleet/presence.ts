import { hostname } from 'node:os';

/** Where presence is recorded: the Store's fleet repo (`store.fleet`) has this shape. */
export interface PresenceSink {
  touch(member: {
    readonly host: string;
    readonly pid: number;
    readonly role: string;
    readonly info?: Record<string, unknown>;
  }): Promise<unknown>;
  remove(host: string, pid: number, role: string): Promise<boolean>;
}

/** Options of `startPresence`. */
export interface PresenceOptions {
  readonly sink: PresenceSink;
  /** The role to record now (`leader`, `standby`, `bot`...): read on every touch. */
  readonly role: () => string;
  /** Touch this often (ms). Default 5000. */
  readonly everyMs?: number;
  readonly host?: string;
  readonly info?: Record<string, unknown>;
  /** Told when a touch fails (it is retried on the next tick). */
  readonly onError?: (err: unknown) => void;
}

/**
 * Records this process in the fleet (host, pid, role, last seen by the store's clock) at once,
 * then on an unref'd timer and whenever `touchNow()` is called (a role change). `close()`
 * removes the row of a clean exit; a process that dies is seen by its last-seen age.
 */
export function startPresence(opts: PresenceOptions): { touchNow(): void; close(): Promise<void> } {
  const everyMs = opts.everyMs ?? 5000;
  if (!(everyMs > 0)) throw new RangeError(`everyMs: expected a number > 0, got ${everyMs}`);
  const host = opts.host ?? hostname();
  const fail = opts.onError ?? (() => undefined);
  let last: string | null = null;
  let closed = false;
  const touch = (): void => {
    if (closed) return;
    const role = opts.role();
    const previous = last;
    last = role;
    opts.sink
      .touch({ host, pid: process.pid, role, info: opts.info })
      .then(async () => {
        // A role change: the old row (keyed by role) is not this process any more.
        if (previous !== null && previous !== role) await opts.sink.remove(host, process.pid, previous);
      })
      .catch(fail);
  };
  touch();
  const timer = setInterval(touch, everyMs);
  timer.unref();
  return {
    touchNow: touch,
    close: async () => {
      closed = true;
      clearInterval(timer);
      if (last !== null) await opts.sink.remove(host, process.pid, last).catch(fail);
    },
  };
}
