import type { Command } from 'commander';

/** One command group registers its commands on the root program. One file per group. */
export type RegisterCommands = (program: Command) => void;

/** Every command group, in help order. Add a group by adding its import here. */
export const commandGroups: RegisterCommands[] = [];
