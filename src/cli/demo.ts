import type { Command } from 'commander';
import { runDemo } from '../demo/demo.js';
import { CliError } from './cli-error.js';

/** `warden demo`: the scripted tour behind `npm start`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'a short scripted tour: a frozen bot, the watchdog halting trading, an alert, a manual resume',
    )
    .option('--duration <sec>', 'seconds the watchdog has to notice the frozen bot', '4')
    .option('--data-dir-demo <dir>', 'use this directory instead of a fresh temporary one')
    .action(async (opts: { duration: string; dataDirDemo?: string }) => {
      const freezeSec = Number(opts.duration);
      if (!(freezeSec > 0))
        throw new CliError(`--duration: expected a positive number of seconds, got ${opts.duration}`);
      const r = await runDemo({ freezeSec, dataDir: opts.dataDirDemo });
      if (!r.halted || !r.resumed)
        throw new CliError('demo failed: the watchdog did not halt trading, or resume did not work');
    });
}
