import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './cli.js';

/** A child process that prints JSON lines; every parsed line is kept, in order. */
export interface JsonChild {
  readonly proc: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly stderr: () => string;
  /** Resolves with the first line (seen or to come) that `match` accepts. */
  waitFor(
    what: string,
    match: (l: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns `node --import tsx <helper> ...args` from test/helpers. */
export function spawnJsonChild(helper: string, args: string[], env: NodeJS.ProcessEnv = {}): JsonChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'helpers', helper), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let err = '';
  let buf = '';
  const waiters = new Set<() => void>();
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        err += `[stdout] ${line}\n`;
      }
    }
    for (const w of waiters) w();
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    lines,
    stderr: () => err,
    waitFor: (what, match, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = lines.find(match);
          if (!hit) return false;
          cleanup();
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${what}; stderr: ${err.slice(-2000)}`));
        }, timeoutMs);
        const onExit = (): void => {
          if (check()) return;
          cleanup();
          reject(new Error(`exited before ${what}; stderr: ${err.slice(-2000)}`));
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(w);
          proc.off('exit', onExit);
        };
        const w = (): void => void check();
        if (check()) return;
        waiters.add(w);
        proc.once('exit', onExit);
      }),
    kill: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}
