import { parseIsoMs } from '../strategy/trade-log/iso-time.js';
import { TradeLogError } from '../strategy/trade-log/trade-log-error.js';
import { StateFileError } from '../strategy/state/state-file-error.js';
import { StateLockError } from '../strategy/state/state-lock-error.js';
import { CliError } from './cli-error.js';

// The option parsing and error mapping the strategy commands (`evaluate`, `check`, `strategy`,
// `tune`) share.

/** A number option, or undefined when not given; anything else is a one-line CliError naming the option. */
export function num(option: string, v: string | undefined, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const x = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(x) || (integer && !Number.isInteger(x)))
    throw new CliError(`${option} must be ${integer ? 'an integer' : 'a number'} (got ${JSON.stringify(v)})`);
  return x;
}

export function nowOf(v: string | undefined): number {
  if (v === undefined) return Date.now();
  const t = parseIsoMs(v);
  if (Number.isNaN(t))
    throw new CliError(
      `--now must be an ISO-8601 time such as 2026-05-05T03:49:00Z (got ${JSON.stringify(v)})`,
    );
  return t;
}

/** An error the user can fix (a bad trade log or state file, a lock held, a bad option): one line, exit 1. */
export function userError(err: unknown): CliError | null {
  return err instanceof TradeLogError ||
    err instanceof StateFileError ||
    err instanceof StateLockError ||
    err instanceof RangeError
    ? new CliError(err.message, 1, { cause: err })
    : null;
}

/** A comma-separated list of numbers (`--trip -0.05,-0.1`). */
export function numList(option: string, v: string | undefined, integer = false): number[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').map((x) => num(option, x, integer) as number);
}
