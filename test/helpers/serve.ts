// `warden serve` as a real process: start it, wait for its listening line, stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ROOT, WARDEN } from './cli.js';

/** A running `warden serve`. */
export interface Serving {
  readonly child: ChildProcess;
  /** The URL from the listening line (its `address`), as printed. */
  readonly printed: string;
  /** What it has written to stdout and stderr so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit code and signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The bound URL from serve's JSON "listening" log line (its `address` field), or null. */
export function listeningAddress(line: string): string | null {
  let o: { msg?: unknown; address?: unknown };
  try {
    o = JSON.parse(line) as typeof o;
  } catch {
    return null;
  }
  return typeof o.msg === 'string' && o.msg.startsWith('listening on ') && typeof o.address === 'string'
    ? o.address
    : null;
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
      const address = listeningAddress(line);
      if (address) resolve(address);
    });
    void exited.then(({ code }) =>
      reject(new Error(`serve exited (${code}) before listening: ${stdout} ${stderr}`)),
    );
  });
  return { child, printed, output: () => ({ stdout, stderr }), exited };
}
