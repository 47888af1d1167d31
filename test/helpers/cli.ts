import { spawn, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/index.js';
import { initDataDir } from '../../src/cli/runtime.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WARDEN = join(ROOT, 'bin', 'warden.js');

/** What a finished CLI run printed and returned. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `warden ARGS` as a real process (bin/warden.js). */
export function warden(args: string[], opts: SpawnOptions & { input?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WARDEN, ...args], {
      cwd: ROOT,
      ...opts,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin!.end(opts.input ?? '');
  });
}

/**
 * A fresh temp dir with a config file in it and an initialised data dir (store, circuit.json,
 * reserve: what `warden init` makes; commands never create them). `init: false` leaves the data
 * dir missing. Returns the dir, its data dir and the global args.
 */
export function workspace(
  config: Record<string, unknown> = {},
  opts: { init?: boolean } = {},
): {
  dir: string;
  dataDir: string;
  args: string[];
} {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
  const dataDir = join(dir, 'data');
  const cfg = join(dir, 'warden.config.json');
  writeFileSync(cfg, JSON.stringify(config));
  // The default store (warden.db): a config under test may be invalid on purpose.
  if (opts.init !== false) void initDataDir({ config: parseConfig({}), path: null, dataDir }).close();
  return { dir, dataDir, args: ['--config', cfg, '--data-dir', dataDir] };
}
