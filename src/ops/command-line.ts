import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/**
 * Splits a command line the way a POSIX shell splits words: whitespace separates, single quotes
 * keep everything literally, double quotes keep spaces and honour `\"` and `\\`, a backslash
 * outside quotes escapes the next character. No expansion of any kind. Throws RangeError on an
 * unterminated quote or an empty command.
 */
export function splitCommandLine(line: string, source = '--bot-cmd'): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote !== null) throw new RangeError(`${source}: unterminated ${quote} quote in "${line}"`);
  if (inWord) words.push(cur);
  if (words.length === 0) throw new RangeError(`${source}: empty command`);
  return words;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes the program of a command absolute, as systemd and launchd want it: a path with a slash is
 * resolved against `cwd`; a bare name is looked up in `PATH`. Throws RangeError when a bare
 * name is not found.
 */
export function resolveProgram(
  argv: readonly string[],
  cwd: string,
  pathEnv: string | undefined,
  source = '--bot-cmd',
): string[] {
  const [prog, ...rest] = argv;
  if (prog === undefined) throw new RangeError(`${source}: empty command`);
  if (prog.includes('/')) return [isAbsolute(prog) ? prog : resolve(cwd, prog), ...rest];
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, prog);
    if (isExecutable(p)) return [p, ...rest];
  }
  throw new RangeError(`${source}: "${prog}" is not on PATH; give an absolute path`);
}

/** Escapes `%` for systemd, whose unit files expand `%x` specifiers in most settings. */
export const systemdSpecifierEscape = (s: string): string => s.replaceAll('%', '%%');

/**
 * One argument of a systemd `ExecStart=` line: specifiers and `$` escaped, quoted when it holds
 * whitespace, quotes or backslashes (systemd.service(5), "Command lines").
 */
export function systemdArg(arg: string): string {
  const s = systemdSpecifierEscape(arg).replaceAll('$', () => '$$');
  if (s !== '' && !/[\s"'\\;]/.test(s)) return s;
  return `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** A whole systemd command line from an argv. */
export const systemdCommand = (argv: readonly string[]): string => argv.map(systemdArg).join(' ');

/** A word quoted for a POSIX shell (for the commands printed to the operator). */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
