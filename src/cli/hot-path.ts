// The four commands a shell or Python bot runs many times a day (`guard`, `check`, `heartbeat`,
// `status`), and `evaluate` (a nightly incremental run is mostly start-up), start without commander: their group registers its commands on a recording stand-in
// (the same register function, the same flags and defaults), and `node:util` `parseArgs` reads the
// arguments. Anything this path does not answer itself (help, --version, a missing argument, an
// unknown or malformed option, any other command) goes to the commander program, so every help
// text and every argument error is commander's own.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Command } from 'commander';
import { reportFailure } from './cli-error.js';
import { commandIndex, VALUE_OPTIONS } from './command-word.js';
import type { RegisterCommands } from './commands.js';
import { globalOptions, useConfigLoader } from './context.js';
import { loadConfigCached } from '../config/config-cache.js';
import type { LoadedConfig } from '../config/load-config.js';

/** The bundle's SHA-256, passed in by bin/code-cache.js; absent elsewhere (no config cache then). */
declare const __wardenBundleId: string | undefined;

/** The hot-path commands and the group that registers each (the same modules commands.ts loads). */
const HOT: Readonly<Record<string, () => Promise<RegisterCommands>>> = {
  guard: async () => (await import('./killswitch.js')).registerKillSwitch,
  status: async () => (await import('./killswitch.js')).registerKillSwitch,
  heartbeat: async () => (await import('./heartbeat.js')).registerHeartbeat,
  check: async () => (await import('./strategy.js')).registerStrategyCommands,
  // Not run many times a day, but an incremental run on a short appended tail is all start-up:
  // without commander and its ES modules, with the config cache, it costs about half as much.
  evaluate: async () => (await import('./strategy.js')).registerStrategyCommands,
};

interface OptionSpec {
  /** The long name without its dashes (`data-dir`), the parseArgs key. */
  readonly long: string;
  /** The key in `opts()` (`dataDir`), as commander names it. */
  readonly attr: string;
  readonly takesValue: boolean;
  readonly mandatory: boolean;
  readonly defaultValue: unknown;
}

interface ArgumentSpec {
  readonly required: boolean;
  readonly variadic: boolean;
}

/** An option as `createOption` returns it: only what the hot-path groups call on one. */
class RecordedOption {
  constructor(readonly flags: string) {}
  hideHelp(): this {
    return this;
  }
}

const CAMEL = /-([a-z])/g;

/** Reads commander's flags syntax (`--exit-code <n>`, `--json`); null for what this path does not parse. */
function optionSpec(flags: string, mandatory: boolean, defaultValue: unknown): OptionSpec | null {
  const m = /^(?:-[a-zA-Z], )?--([a-z][a-z0-9-]*)(?: <[^>]+>)?$/.exec(flags.trim());
  if (m === null) return null; // optional values, negations, short-only flags: commander's job
  const long = m[1]!;
  return {
    long,
    attr: long.replace(CAMEL, (_, c: string) => c.toUpperCase()),
    takesValue: flags.includes('<'),
    mandatory,
    defaultValue,
  };
}

/** A command as the register functions build it, recorded so this path can run its action. */
class RecordedCommand {
  readonly name: string;
  readonly args: ArgumentSpec[] = [];
  readonly options: OptionSpec[] = [];
  readonly commands: RecordedCommand[] = [];
  /** Set when a flag used a syntax this path does not parse: commander runs the command. */
  unsupported = false;
  passThrough = false;
  handler: ((...args: unknown[]) => unknown) | undefined;
  readonly parent: RecordedCommand | null;
  #values: Record<string, unknown> = {};

  constructor(nameAndArgs: string, parent: RecordedCommand | null) {
    const [name, ...args] = nameAndArgs.trim().split(/\s+/);
    this.name = name!;
    this.parent = parent;
    for (const a of args) this.argument(a);
  }

  command(nameAndArgs: string): RecordedCommand {
    const c = new RecordedCommand(nameAndArgs, this);
    this.commands.push(c);
    return c;
  }

  description(): this {
    return this;
  }

  argument(spec: string): this {
    this.args.push({ required: spec.startsWith('<'), variadic: spec.includes('...') });
    return this;
  }

  option(flags: string, _description?: string, defaultValue?: unknown): this {
    return this.#add(flags, false, defaultValue);
  }

  requiredOption(flags: string, _description?: string, defaultValue?: unknown): this {
    return this.#add(flags, true, defaultValue);
  }

  createOption(flags: string): RecordedOption {
    return new RecordedOption(flags);
  }

  addOption(option: { flags: string; defaultValue?: unknown }): this {
    return this.#add(option.flags, false, option.defaultValue);
  }

  passThroughOptions(): this {
    this.passThrough = true;
    return this;
  }

  action(fn: (...args: unknown[]) => unknown): this {
    this.handler = fn;
    return this;
  }

  /** The parsed option values, keyed as commander keys them. */
  opts(): Record<string, unknown> {
    return this.#values;
  }

  setValues(values: Record<string, unknown>): void {
    this.#values = values;
  }

  #add(flags: string, mandatory: boolean, defaultValue: unknown): this {
    const spec = optionSpec(flags, mandatory, defaultValue);
    if (spec === null) this.unsupported = true;
    else this.options.push(spec);
    return this;
  }
}

const GLOBALS: readonly OptionSpec[] = [
  { long: 'config', attr: 'config', takesValue: true, mandatory: false, defaultValue: undefined },
  { long: 'data-dir', attr: 'dataDir', takesValue: true, mandatory: false, defaultValue: undefined },
];

/** parseArgs over `args` with `specs`, strict; null when it refuses (commander then says why). */
function parse(
  args: string[],
  specs: readonly OptionSpec[],
  positionals: boolean,
): { values: Record<string, unknown>; positionals: string[] } | null {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const s of specs) options[s.long] = { type: s.takesValue ? 'string' : 'boolean' };
  try {
    const r = parseArgs({ args, options, strict: true, allowPositionals: positionals });
    const values: Record<string, unknown> = {};
    for (const s of specs) {
      const v = r.values[s.long];
      if (v !== undefined) values[s.attr] = v;
    }
    return { values, positionals: r.positionals };
  } catch {
    return null;
  }
}

/**
 * Splits a pass-through command's arguments as commander does: options up to the first
 * positional (or `--`), then everything, options included, is the command's argument.
 */
function splitPassThrough(args: string[], specs: readonly OptionSpec[]): [string[], string[]] {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return [args.slice(0, i), args.slice(i + 1)];
    if (!a.startsWith('-')) return [args.slice(0, i), args.slice(i)];
    const spec = specs.find((s) => `--${s.long}` === a);
    if (spec?.takesValue) i++;
  }
  return [args, []];
}

/** The action's arguments from the positionals, as commander passes them; null when they do not fit. */
function actionArgs(cmd: RecordedCommand, positionals: string[]): unknown[] | null {
  const out: unknown[] = [];
  let i = 0;
  for (const a of cmd.args) {
    if (a.variadic) {
      const rest = positionals.slice(i);
      if (a.required && rest.length === 0) return null;
      out.push(rest);
      i = positionals.length;
    } else {
      if (i >= positionals.length) {
        if (a.required) return null;
        out.push(undefined);
      } else out.push(positionals[i]);
      i++;
    }
  }
  return i < positionals.length ? null : out; // excess arguments: commander's error
}

/** The parsed run of a hot-path command, or null when commander must answer. */
function prepare(
  cmd: RecordedCommand,
  before: string[],
  after: string[],
): { args: unknown[]; values: Record<string, unknown>; globals: Record<string, unknown> } | null {
  if (cmd.unsupported || cmd.handler === undefined || cmd.commands.length > 0) return null;
  const pre = parse(before, GLOBALS, false);
  if (pre === null) return null;
  const specs = [...GLOBALS, ...cmd.options.filter((o) => !VALUE_OPTIONS.has(`--${o.long}`))];
  let positionals: string[];
  let values: Record<string, unknown>;
  if (cmd.passThrough) {
    const [opts, rest] = splitPassThrough(after, specs);
    const r = parse(opts, specs, false);
    if (r === null) return null;
    values = r.values;
    positionals = rest;
  } else {
    const r = parse(after, specs, true);
    if (r === null) return null;
    values = r.values;
    positionals = r.positionals;
  }
  for (const o of cmd.options) {
    if (values[o.attr] === undefined && o.defaultValue !== undefined) values[o.attr] = o.defaultValue;
    if (o.mandatory && values[o.attr] === undefined) return null;
  }
  const args = actionArgs(cmd, positionals);
  return args === null ? null : { args, values, globals: pre.values };
}

/**
 * Loads the command's config through the cache before its action runs, and has `configFor` answer
 * with it; a config error is thrown where the action asks for the config, as before.
 */
async function preloadConfig(cmd: RecordedCommand): Promise<void> {
  const g = globalOptions(cmd as unknown as Command);
  const code = typeof __wardenBundleId === 'string' ? __wardenBundleId : null;
  let loaded: { ok: true; value: LoadedConfig } | { ok: false; err: unknown };
  try {
    loaded = { ok: true, value: await loadConfigCached({ configPath: g.config, dataDir: g.dataDir }, code) };
  } catch (err) {
    loaded = { ok: false, err };
  }
  useConfigLoader((opts) => {
    if (opts.configPath !== g.config || opts.dataDir !== g.dataDir || opts.env || opts.cwd)
      throw new Error('internal: the hot path preloaded another config');
    if (!loaded.ok) throw loaded.err;
    return loaded.value;
  });
}

/**
 * Runs `argv` when it is a hot-path command this path can parse; its exit code, or undefined
 * when the commander program must run instead (help, errors in the arguments, other commands).
 */
export async function runHotPath(argv: readonly string[]): Promise<number | undefined> {
  const at = commandIndex(argv);
  if (at < 0) return undefined;
  const load = HOT[argv[at]!];
  if (load === undefined) return undefined;
  const dashes = argv.indexOf('--');
  const options = dashes < 0 ? argv : argv.slice(0, dashes);
  if (options.some((a) => a === '-h' || a === '--help' || a === '-V' || a === '--version')) return undefined;
  const program = new RecordedCommand('warden', null);
  (await load())(program as unknown as Command);
  const cmd = program.commands.find((c) => c.name === argv[at]);
  if (cmd === undefined) return undefined;
  const run = prepare(cmd, argv.slice(0, at), argv.slice(at + 1));
  if (run === null) return undefined;
  program.setValues(run.globals);
  cmd.setValues(run.values);
  await preloadConfig(cmd);
  try {
    await cmd.handler!(...run.args, run.values, cmd);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportFailure(err);
  }
}
