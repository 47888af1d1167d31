import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { reportFailure } from './cli-error.js';
import { groupsFor } from './commands.js';
import { useConfigLoader } from './context.js';
import { loadConfig } from '../config/load-config.js';

/** The package's version, read from its package.json (src/cli and dist/cli are both two levels down). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

/** Declares the options every command takes, so they work before or after the subcommand. */
function withGlobalOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'config file (default warden.config.json)')
    .option('--data-dir <dir>', 'data directory (default ./data, env WARDEN_DATA_DIR)');
}

function addGlobalOptionsBelow(cmd: Command): void {
  for (const sub of cmd.commands) {
    withGlobalOptions(sub);
    addGlobalOptionsBelow(sub);
  }
}

/** Builds the `warden` program with the command groups `argv` needs (all of them by default). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  useConfigLoader(loadConfig); // every command validates its config in full
  const program = withGlobalOptions(
    new Command('warden').description(
      'Operational safety for trading bots: kill switch, watchdog, strategy breaker, resilient orders.',
    ),
  )
    .version(packageVersion(), '-V, --version', 'print the version')
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride();
  for (const group of groupsFor(argv)) (await group.load())(program);
  addGlobalOptionsBelow(program);
  return program;
}

/**
 * Runs the CLI through commander (every command, help, --version, and every argument error):
 * every failure is one line on stderr and a non-zero exit code.
 */
export async function runProgram(argv: string[]): Promise<number> {
  let program: Command;
  try {
    program = await buildProgram(argv);
  } catch (err) {
    process.stderr.write(
      `warden: cannot load the command: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed the message (or the help / version).
      return err.exitCode === 0 ? 0 : 1;
    }
    return reportFailure(err);
  }
}
