import { pino, stdSerializers, type Logger, type DestinationStream } from 'pino';
import type { Redactor } from '../alerts/index.js';

/** The logger of the daemon and of every long-running command. */
export type WardenLogger = Logger;

/** Options of `createLogger`. */
export interface CreateLoggerOptions {
  /** Masks secrets in every line before it is written (the alerts' redactor plus the API token). */
  readonly redactor?: Pick<Redactor, 'redact'>;
  /** Where lines go; default stdout. Warnings and errors (level ≥ 40) go to `errors` (default stderr). */
  readonly out?: NodeJS.WritableStream;
  readonly errors?: NodeJS.WritableStream;
  /** Human-readable lines instead of JSON; default: when `out` is a TTY. */
  readonly pretty?: boolean;
  readonly level?: string;
  /** Name of the process (`serve`, `watch`). */
  readonly name?: string;
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/** One JSON line made readable: `12:00:01 INFO listening on … key=value`. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { level, time, msg, pid: _pid, hostname: _host, name: _name, ...rest } = o;
  const t = typeof time === 'number' ? new Date(time).toISOString().slice(11, 19) : '';
  const lv = (LEVEL_NAMES[level as number] ?? String(level)).toUpperCase();
  const extra = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${t} ${lv} ${String(msg ?? '')}${extra ? ` ${extra}` : ''}\n`;
}

/**
 * A pino logger: JSON lines (pretty when writing to a terminal), every line passed through the
 * redactor, warnings and errors (with their cause, pino's `err` serializer) on stderr, the rest on stdout.
 */
export function createLogger(opts: CreateLoggerOptions = {}): WardenLogger {
  const out = opts.out ?? process.stdout;
  const errors = opts.errors ?? process.stderr;
  const pretty = opts.pretty ?? (out as { isTTY?: boolean }).isTTY === true;
  const redactor = opts.redactor;
  const write = (stream: NodeJS.WritableStream, line: string): void => {
    const clean = redactor ? redactor.redact(line) : line;
    stream.write(pretty ? prettyLine(clean) : clean);
  };
  const destination: DestinationStream = {
    write(line: string) {
      // pino writes `{"level":40,...`: route by level without parsing the whole line.
      const m = /^\{"level":(\d+)/.exec(line);
      write(m && Number(m[1]) >= 40 ? errors : out, line);
    },
  };
  return pino(
    {
      level: opts.level ?? 'info',
      base: { pid: process.pid, name: opts.name ?? 'warden' },
      serializers: { err: stdSerializers.errWithCause },
      redact: {
        paths: ['token', '*.token', 'authorization', '*.authorization', 'req.headers.authorization'],
        censor: '***',
      },
    },
    destination,
  );
}
