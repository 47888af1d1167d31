// node:child_process is imported when a flatten runs: the commands that only read the switch
// (status, check, heartbeat) never load it.

/** What the flatten action reported. */
export interface FlattenResult {
  readonly ok: boolean;
  readonly detail: string;
}

/** Cancels open orders and closes positions; called on `trip --flatten` and automatic trips that ask for it. */
export type FlattenHook = (ctx: {
  reason: string;
  signal: AbortSignal;
  /** The halt this flatten belongs to (the trip's event id, or its time when unrecorded): keys its orders, so a repeat never doubles. */
  haltKey?: number;
}) => Promise<FlattenResult>;

/**
 * A flatten hook that runs a configured command (argv), with the trip reason in
 * WARDEN_TRIP_REASON; exit 0 is success. Killed after `timeoutMs`.
 */
export function commandFlattenHook(argv: readonly string[], timeoutMs: number): FlattenHook {
  if (argv.length === 0) throw new RangeError('flattenCommand: expected a non-empty argv array');
  if (!(timeoutMs > 0))
    throw new RangeError(`flattenTimeoutSec: expected a positive number, got ${timeoutMs}`);
  return async ({ reason, signal }) => {
    const { spawn } = await import('node:child_process');
    return new Promise<FlattenResult>((resolve) => {
      const [cmd, ...args] = argv as [string, ...string[]];
      let output = '';
      const child = spawn(cmd, args, {
        env: { ...process.env, WARDEN_TRIP_REASON: reason },
        stdio: ['ignore', 'pipe', 'pipe'],
        signal,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      });
      const keep = (b: Buffer) => {
        if (output.length < 4000) output += b.toString('utf8');
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('error', (err) =>
        resolve({ ok: false, detail: `flatten command failed to run: ${err.message}` }),
      );
      child.on('close', (code, sig) => {
        const tail = output.trim().split('\n').slice(-3).join(' | ');
        if (code === 0) resolve({ ok: true, detail: tail || 'flatten command exited 0' });
        else
          resolve({
            ok: false,
            detail: `flatten command ${sig ? `killed by ${sig}` : `exited ${code}`}${tail ? `: ${tail}` : ''}`,
          });
      });
    });
  };
}
