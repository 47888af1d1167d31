// Spawns the orders submitter as a real `node --import tsx` process and collects its JSON lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SUBMITTER = join(ROOT, 'test', 'helpers', 'orders-submitter.ts');

/** One line the submitter printed. */
export interface SubmitLine {
  readonly ready?: boolean;
  readonly key?: string;
  readonly status?: string;
  readonly code?: string;
  readonly replayed?: boolean;
  /** Printed by a submitter with `stopAfterClaim` just before it stops itself. */
  readonly claimed?: string;
}

/** A running submitter: its lines so far, a promise of its exit. */
export interface Submitter {
  readonly child: ChildProcess;
  readonly lines: SubmitLine[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves once `n` result lines (not counting `ready`) were printed, or the child exited. */
  results(n: number): Promise<void>;
  /** Resolves once the child printed its `ready` line (or exited). */
  ready(): Promise<void>;
  /** Writes one line to the child's stdin (a submitter started with `waitForGo` begins then). */
  go(): void;
}

export function spawnSubmitter(job: Record<string, unknown>): Submitter {
  const child = spawn(process.execPath, ['--import', 'tsx', SUBMITTER], {
    cwd: ROOT,
    env: { ...process.env, ORDERS_JOB: JSON.stringify(job) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: SubmitLine[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const readyWaiters: (() => void)[] = [];
  let buf = '';
  let stderr = '';
  const wake = (): void => {
    if (lines.some((l) => l.ready === true)) for (const r of readyWaiters.splice(0)) r();
    const done = lines.filter((l) => l.key !== undefined).length;
    for (const w of waiters.splice(0))
      if (done >= w.n) w.resolve();
      else waiters.push(w);
  };
  child.stdout!.on('data', (b: Buffer) => {
    buf += b.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim() !== '') lines.push(JSON.parse(line) as SubmitLine);
    }
    wake();
  });
  child.stdin!.on('error', () => undefined); // a killed child's stdin: EPIPE is expected
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) =>
      child.on('close', (code, signal) => {
        for (const w of waiters.splice(0)) w.resolve();
        for (const r of readyWaiters.splice(0)) r();
        resolve({ code, signal, stderr });
      }),
  );
  return {
    child,
    lines,
    exited,
    results: (n) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        waiters.push({ n, resolve });
        wake();
      }),
    ready: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        readyWaiters.push(resolve);
        wake();
      }),
    go: () => {
      child.stdin!.write('go\n');
    },
  };
}
