import type { Store, HeartbeatRecord, HeartbeatEventKind } from '../store/index.js';
import type { Clock } from '../util/clock.js';
import { systemClock } from '../util/clock.js';
import { DEFAULT_BOT_HEARTBEAT, writeHeartbeatFiles, type HeartbeatFilePolicy } from './heartbeat-file.js';

/** Options of the heartbeat writer. */
export interface HeartbeatWriterOptions {
  readonly store: Store;
  /** Where heartbeat.json is written for readers in other languages; omit to skip the files. */
  readonly dataDir?: string;
  /** The heartbeat whose beats also write `heartbeat.json` (default `bot`); other names write only `heartbeat-NAME.json`. */
  readonly botHeartbeat?: string | null;
  /** Files some heartbeat is watched through (`"file"`): never written, whatever the name. */
  readonly watchedFiles?: readonly string[];
  readonly clock?: Clock;
  /**
   * Also notify systemd's watchdog (`systemd-notify WATCHDOG=1`) when NOTIFY_SOCKET is set.
   * Node cannot open the notify socket itself, so a short-lived systemd-notify process does it.
   */
  readonly systemdNotify?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

const NAME_RE = /^[A-Za-z0-9_.-]{1,100}$/;

/** Validates a heartbeat name (it becomes a file name). */
export function checkHeartbeatName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new RangeError(
      `heartbeat name: expected 1-100 letters, digits, _ . - (got ${JSON.stringify(name)})`,
    );
  }
  return name;
}

/**
 * The bot's side of the heartbeat: one call per cycle. Records in the store (which the
 * watchdog reads) and writes `heartbeat-NAME.json`; the bot's own beat also writes the seed's
 * `heartbeat.json`. A file some heartbeat is watched through is never written.
 */
export class HeartbeatWriter {
  readonly #store: Store;
  readonly #dataDir: string | undefined;
  readonly #files: HeartbeatFilePolicy;
  readonly #clock: Clock;
  readonly #notify: boolean;
  #notifying = false;

  constructor(opts: HeartbeatWriterOptions) {
    this.#store = opts.store;
    this.#dataDir = opts.dataDir;
    const bot = opts.botHeartbeat === undefined ? DEFAULT_BOT_HEARTBEAT : opts.botHeartbeat;
    if (bot !== null) checkHeartbeatName(bot);
    this.#files = Object.freeze({
      botHeartbeat: bot,
      watchedFiles: Object.freeze([...(opts.watchedFiles ?? [])]),
    });
    this.#clock = opts.clock ?? systemClock;
    const env = opts.env ?? process.env;
    this.#notify = (opts.systemdNotify ?? true) && typeof env['NOTIFY_SOCKET'] === 'string';
  }

  /** Reports one cycle: `status` "ok" unless something is degraded; `extra` is kept with it. */
  beat(name: string, status = 'ok', extra: Record<string, unknown> = {}): Promise<HeartbeatRecord> {
    return this.#report(name, 'beat', status, null, extra);
  }

  /** Reports that a job started (a job that starts and never finishes is noticed). */
  start(name: string, extra: Record<string, unknown> = {}): Promise<HeartbeatRecord> {
    return this.#report(name, 'start', 'running', null, extra);
  }

  /** Reports that a job failed, with its exit code. */
  fail(
    name: string,
    exitCode: number | null = null,
    extra: Record<string, unknown> = {},
  ): Promise<HeartbeatRecord> {
    return this.#report(name, 'fail', 'failed', exitCode, extra);
  }

  async #report(
    name: string,
    kind: HeartbeatEventKind,
    status: string,
    exitCode: number | null,
    extra: Record<string, unknown>,
  ): Promise<HeartbeatRecord> {
    checkHeartbeatName(name);
    if (typeof status !== 'string' || status.length === 0 || status.length > 100) {
      throw new RangeError(`status: expected a short non-empty string, got ${JSON.stringify(status)}`);
    }
    const at = this.#clock.now();
    const rec = await this.#store.heartbeats.record({ name, at, kind, status, exitCode, extra });
    if (this.#dataDir !== undefined)
      writeHeartbeatFiles(this.#dataDir, name, at, status, { ...extra, kind }, this.#files);
    if (this.#notify && kind === 'beat' && status === 'ok') await this.#notifySystemd();
    return rec;
  }

  /** Starts systemd-notify (not waited for); node:child_process is loaded only under systemd. */
  async #notifySystemd(): Promise<void> {
    if (this.#notifying) return;
    this.#notifying = true;
    try {
      const { spawn } = await import('node:child_process');
      const child = spawn('systemd-notify', ['WATCHDOG=1'], { stdio: 'ignore' });
      child.on('error', () => (this.#notifying = false));
      child.on('close', () => (this.#notifying = false));
    } catch {
      this.#notifying = false;
    }
  }
}
