import type { Command } from 'commander';
import { registerStrategyCommands } from './strategy.js';
import { registerInit } from './init.js';
import { registerKillSwitch } from './killswitch.js';
import { registerHeartbeat } from './heartbeat.js';
import { registerDemo } from './demo.js';
import { registerServe } from './serve.js';
import { registerInstall } from './install.js';
import { registerAudit } from './audit.js';
import { registerDlq } from './dlq.js';
import { registerLog } from './log.js';
import { registerReconcile } from './reconcile.js';

/** One command group registers its commands on the root program. One file per group. */
export type RegisterCommands = (program: Command) => void;

/** Every command group, in help order. Add a group by adding its import here. */
export const commandGroups: RegisterCommands[] = [
  registerInit,
  registerKillSwitch,
  registerHeartbeat,
  registerStrategyCommands,
  registerDemo,
  registerServe,
  registerInstall,
  registerAudit,
  registerDlq,
  registerReconcile,
  registerLog,
];
