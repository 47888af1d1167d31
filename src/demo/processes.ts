// The demo's child processes: the daemon and the supervised bot. Every child is tracked, so a stop
// (the end of the run, Ctrl-C) ends them all; the supervisor restarts the bot when it dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The checkout (or package) root. */
export const ROOT = join(here, '..', '..');
/**
 * `warden` itself, as a user runs it: bin/warden.js runs dist/ when `npm run build` made it from the
 * sources as they are (`npm install` does, in a fresh clone), else the sources through tsx.
 */
export const CLI = join(ROOT, 'bin', 'warden.js');

/**
 * The demo bot: examples/demo-bot.ts (through tsx), or its compiled copy dist/examples/demo-bot.js
 * (scripts/compile-demo-bot.mjs) when that is the bot as it is now: in an installed package (which
 * has no examples/), or in a checkout whose dist/ is fresh (bin/warden.js's rule) and was built
 * after the bot's last edit. A compiled child starts several times faster than one through tsx.
 */
export async function demoBotPath(): Promise<string> {
  const source = join(ROOT, 'examples', 'demo-bot.ts');
  const compiled = join(ROOT, 'dist', 'examples', 'demo-bot.js');
  if (!existsSync(source)) return compiled;
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(source).mtimeMs) return source;
  return (await distIsFresh()) ? compiled : source;
}

async function distIsFresh(): Promise<boolean> {
  try {
    const built = JSON.parse(readFileSync(join(ROOT, 'dist', '.source-stamp.json'), 'utf8')) as unknown;
    const stamps = (await import(pathToFileURL(join(ROOT, 'bin', 'source-stamp.js')).href)) as {
      sourceStamp(dir: string): unknown;
      sameStamp(a: unknown, b: unknown): boolean;
    };
    return stamps.sameStamp(built, stamps.sourceStamp(join(ROOT, 'src')));
  } catch {
    return false; // no stamp (not built by `npm run build`): the sources
  }
}

/** The node arguments that run `script` (TypeScript through tsx). */
export const nodeArgs = (script: string): string[] => (script.endsWith('.ts') ? ['--import', 'tsx'] : []);

/** A child and its lines. */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Resolves when it exited. */
  readonly exited: Promise<void>;
}

/** Every process the demo started and has not seen exit. */
export class ProcessGroup {
  readonly #live = new Set<ChildProcess>();

  /** Starts `node ARGS` (a TypeScript script through tsx); each output line goes to `onLine`. */
  start(args: readonly string[], onLine: (line: string, stream: 'stdout' | 'stderr') => void): Child {
    const p = spawn(process.execPath, [...nodeArgs(args[0] ?? ''), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    this.#live.add(p);
    const exited = new Promise<void>((resolve) =>
      p.once('exit', () => {
        this.#live.delete(p);
        resolve();
      }),
    );
    createInterface({ input: p.stdout! }).on('line', (l) => onLine(l, 'stdout'));
    createInterface({ input: p.stderr! }).on('line', (l) => onLine(l, 'stderr'));
    return { process: p, pid: p.pid ?? -1, exited };
  }

  /** Pids still alive. */
  pids(): number[] {
    return [...this.#live].map((p) => p.pid ?? -1);
  }

  /** SIGCONT + SIGTERM to every child; SIGKILL to any still alive after `graceMs`. */
  async stopAll(graceMs = 5_000): Promise<void> {
    const live = [...this.#live];
    for (const p of live) {
      p.kill('SIGCONT');
      p.kill('SIGTERM');
    }
    const all = Promise.all(
      live.map((p) => (p.exitCode !== null ? null : new Promise((r) => p.once('exit', r)))),
    );
    const timer = setTimeout(() => live.forEach((p) => p.exitCode === null && p.kill('SIGKILL')), graceMs);
    await all;
    clearTimeout(timer);
  }
}

/** Keeps one bot process running: started again (after `restartDelayMs`) whenever it dies, until `stop()`. */
export class Supervisor {
  readonly #group: ProcessGroup;
  readonly #args: readonly string[];
  readonly #onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  readonly #onStart: (pid: number, n: number) => void;
  readonly #onExit: (pid: number, signal: string | null, code: number | null) => void;
  readonly #restartDelayMs: number;
  #current: Child | null = null;
  #stopped = false;
  #starts = 0;

  constructor(opts: {
    group: ProcessGroup;
    args: readonly string[];
    onLine: (line: string, stream: 'stdout' | 'stderr') => void;
    onStart?: (pid: number, n: number) => void;
    onExit?: (pid: number, signal: string | null, code: number | null) => void;
    restartDelayMs?: number;
  }) {
    this.#group = opts.group;
    this.#args = opts.args;
    this.#onLine = opts.onLine;
    this.#onStart = opts.onStart ?? (() => undefined);
    this.#onExit = opts.onExit ?? (() => undefined);
    this.#restartDelayMs = opts.restartDelayMs ?? 300;
  }

  /** The bot's current process, or null between a death and its restart. */
  get current(): Child | null {
    return this.#current;
  }

  /** How many times the bot was started. */
  get starts(): number {
    return this.#starts;
  }

  start(): void {
    if (this.#stopped) return;
    const c = this.#group.start(this.#args, this.#onLine);
    this.#current = c;
    this.#starts++;
    this.#onStart(c.pid, this.#starts);
    c.process.once('exit', (code, signal) => {
      if (this.#current === c) this.#current = null;
      if (!this.#stopped) this.#onExit(c.pid, signal, code);
      if (!this.#stopped) setTimeout(() => this.start(), this.#restartDelayMs).unref();
    });
  }

  /** Stops restarting and ends the bot (SIGTERM, SIGKILL after `graceMs`). */
  async stop(graceMs = 8_000): Promise<void> {
    this.#stopped = true;
    const c = this.#current;
    if (c === null) return;
    c.process.kill('SIGCONT');
    c.process.kill('SIGTERM');
    const t = setTimeout(() => c.process.kill('SIGKILL'), graceMs);
    await c.exited;
    clearTimeout(t);
  }
}
