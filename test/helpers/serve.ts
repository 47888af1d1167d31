// `warden serve` as a real process: start it, wait for its listening line, stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ROOT, WARDEN } from './cli.js';

/** A running `warden serve`. */
export interface Serving {
  readonly child: ChildProcess;
  /** The URL from the listening line, as printed. */
  readonly printed: string;
  /** What it has written to stdout and stderr so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit code and signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `warden ARGS serve SERVE_ARGS` and resolves once it prints its listening line. */
export async function startServe(
  args: string[],
  serveArgs: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Serving> {
  const child = spawn(process.execPath, [WARDEN, ...args, 'serve', ...serveArgs], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const lines = createInterface({ input: child.stdout! });
  const printed = await new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      stdout += `${line}\n`;
      const m = /listening on (http:\/\/[^ ]+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exited.then(({ code }) =>
      reject(new Error(`serve exited (${code}) before listening: ${stdout} ${stderr}`)),
    );
  });
  return { child, printed, output: () => ({ stdout, stderr }), exited };
}
