import type { Command } from 'commander';
import { commandWord } from './command-word.js';

/** One command group registers its commands on the root program. One file per group. */
export type RegisterCommands = (program: Command) => void;

/**
 * A command group: the top-level commands it registers and how to load it. A run loads only the
 * group of the command it runs (so `warden guard` never loads the daemon, ccxt or the tuner);
 * `--help`, no command or an unknown one loads every group. test/cli-lazy-load.test.ts checks that
 * `commands` names exactly what `load` registers.
 */
export interface CommandGroup {
  readonly commands: readonly string[];
  load(): Promise<RegisterCommands>;
}

/** Every command group, in help order. Add a group with one line here. */
export const commandGroups: readonly CommandGroup[] = [
  { commands: ['init'], load: async () => (await import('./init.js')).registerInit },
  {
    commands: ['status', 'trip', 'resume', 'guard'],
    load: async () => (await import('./killswitch.js')).registerKillSwitch,
  },
  {
    commands: ['heartbeat', 'watch', 'remind'],
    load: async () => (await import('./heartbeat.js')).registerHeartbeat,
  },
  {
    commands: ['evaluate', 'check', 'strategy', 'tune'],
    load: async () => (await import('./strategy.js')).registerStrategyCommands,
  },
  { commands: ['demo'], load: async () => (await import('./demo.js')).registerDemo },
  { commands: ['serve'], load: async () => (await import('./serve.js')).registerServe },
  { commands: ['install'], load: async () => (await import('./install.js')).registerInstall },
  { commands: ['audit'], load: async () => (await import('./audit.js')).registerAudit },
  { commands: ['dlq'], load: async () => (await import('./dlq.js')).registerDlq },
  { commands: ['reconcile'], load: async () => (await import('./reconcile.js')).registerReconcile },
  { commands: ['log'], load: async () => (await import('./log.js')).registerLog },
  { commands: ['migrate'], load: async () => (await import('./migrate.js')).registerMigrate },
];

export { commandWord } from './command-word.js';

/** The groups a run of `argv` needs: the one owning its command, none for `--version`, or all. */
export function groupsFor(argv: readonly string[]): readonly CommandGroup[] {
  const word = commandWord(argv);
  if (word === undefined && (argv.includes('-V') || argv.includes('--version'))) return [];
  const owner = word === undefined ? undefined : commandGroups.find((g) => g.commands.includes(word));
  return owner ? [owner] : commandGroups;
}
