import type { ChildProcess } from 'node:child_process';
import type { HaltState } from '../killswitch/index.js';
import type { FleetRuntime } from '../fleet/fleet-runtime.js';
import type { Runtime } from './runtime.js';

/** How long a stopped command may take to exit after SIGTERM before it is SIGKILLed (ms). */
export const GUARD_GRACE_MS = 10_000;
/** How long closing the store may take once the command is done (a frozen server never answers). */
const CLOSE_WITHIN_MS = 2000;

type Halted = HaltState & { halted: true };

/** What `runGuarded` ended with: halted before the start, the command's own exit, or the halt that stopped it. */
export type GuardOutcome =
  | { readonly kind: 'halted'; readonly state: Halted }
  | { readonly kind: 'exited'; readonly code: number }
  | { readonly kind: 'stopped'; readonly state: Halted; readonly signal: 'SIGTERM' | 'SIGKILL' };

/** What the guard holds open, closed whatever happens. */
interface Held {
  fleet: FleetRuntime | null;
  child: ChildProcess | null;
}

/**
 * `warden guard -- CMD`'s work: opens the kill switch as a long-running reader (on PostgreSQL the
 * fleet's change feed, its poll and the lease; on SQLite the data dir's watch and the kill
 * switch's poll), runs CMD only when trading is allowed, and stops it (SIGTERM, then SIGKILL
 * after `GUARD_GRACE_MS`) the moment the kill switch engages: a trip (at once on its NOTIFY), a
 * STOP file, a store that cannot be read, a lease that expired. `closedInTime` is false when the
 * store did not close within 2 s (a silent server): the caller exits without waiting for it.
 */
export async function runGuarded(
  rt: Runtime,
  argv: readonly string[],
  onError: (what: string, err: unknown) => void,
): Promise<{ outcome: GuardOutcome; closedInTime: boolean }> {
  const held: Held = { fleet: null, child: null };
  let outcome: GuardOutcome;
  let late = false;
  try {
    outcome = await guarded(rt, argv, onError, held);
  } finally {
    held.child?.kill('SIGKILL');
    const closing = (async () => {
      await held.fleet?.close();
      await rt.close();
    })().catch((err: unknown) => onError('close', err));
    let timer: NodeJS.Timeout | undefined;
    late = await Promise.race([
      closing.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), CLOSE_WITHIN_MS);
      }),
    ]);
    clearTimeout(timer);
  }
  return { outcome, closedInTime: !late };
}

async function guarded(
  rt: Runtime,
  argv: readonly string[],
  onError: (what: string, err: unknown) => void,
  held: Held,
): Promise<GuardOutcome> {
  if (rt.config.store.kind === 'postgres') {
    // Loaded only in fleet mode: a guard on SQLite never pays for it.
    const { startFleet } = await import('../fleet/fleet-runtime.js');
    held.fleet = startFleet(rt.config, rt.store, { role: 'bot', onError });
  }
  const fleet = held.fleet;
  const ks = await rt.killSwitch(
    'guard',
    fleet ? fleet.killSwitchOptions : { pollMs: rt.config.killSwitch.pollMs },
  );
  fleet?.wake({ killSwitch: ks, onError: (err) => onError('kill switch re-read', err) });
  const first = ks.state();
  if (first.halted) return { kind: 'halted', state: first };

  const [bin, ...args] = argv as [string, ...string[]];
  // Imported here: `warden status` loads this module (cli/killswitch.ts) and never spawns.
  const { spawn } = await import('node:child_process');
  const c = spawn(bin, args, { stdio: 'inherit' });
  held.child = c;
  const exited = new Promise<number>((resolve) => {
    c.on('error', (err) => {
      process.stderr.write(`warden: cannot run ${bin}: ${err.message}\n`);
      resolve(127);
    });
    c.on('close', (code, sig) => resolve(code ?? (sig ? 128 + 15 : 1)));
  });
  let stoppedBy: Halted | null = null;
  let signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM';
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (s: Halted): void => {
    if (stoppedBy !== null) return;
    stoppedBy = s;
    c.kill('SIGTERM');
    killTimer = setTimeout(() => {
      signal = 'SIGKILL';
      c.kill('SIGKILL');
    }, GUARD_GRACE_MS);
  };
  const sub = ks.onChange((s) => {
    if (s.halted) stop(s);
  });
  // Stopped from outside (systemd, kill PID): the command must not outlive its guard.
  const onTerm = (): void => void c.kill('SIGTERM');
  const onHup = (): void => void c.kill('SIGHUP');
  process.on('SIGTERM', onTerm).on('SIGHUP', onHup);
  // A halt between the first read and the spawn.
  const now = ks.state();
  if (now.halted) stop(now);
  try {
    const code = await exited;
    held.child = null;
    const halt = stoppedBy as Halted | null;
    return halt ? { kind: 'stopped', state: halt, signal } : { kind: 'exited', code };
  } finally {
    sub.dispose();
    process.off('SIGTERM', onTerm).off('SIGHUP', onHup);
    clearTimeout(killTimer);
  }
}
