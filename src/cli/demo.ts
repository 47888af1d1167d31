import type { Command } from 'commander';
import { runDemo } from '../demo/demo.js';
import { CliError } from './cli-error.js';

/** `warden demo`: the scripted scenario behind `npm start`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'Warden saving a bot: a simulated venue, the daemon and a supervised bot, a narrated scenario of failures, a summary',
    )
    .option('--duration <sec>', 'seconds the scenario aims at (pauses scale with it)', '60')
    .option('--scenario <steps>', 'comma-separated steps to run (default all)')
    .option('--keep', 'leave the daemon running after the summary (explore the dashboard); Ctrl-C stops')
    .option('--data-dir-demo <dir>', 'use this directory instead of a fresh temporary one')
    .action(async (opts: { duration: string; scenario?: string; keep?: boolean; dataDirDemo?: string }) => {
      const durationSec = Number(opts.duration);
      if (!(durationSec > 0))
        throw new CliError(`--duration: expected a positive number of seconds, got ${opts.duration}`);
      const ac = new AbortController();
      const onSignal = () => {
        process.stdout.write('\nstopping: every process the demo started is being ended\n');
        ac.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let r;
      try {
        r = await runDemo({
          durationSec,
          scenario: opts.scenario?.split(',').map((s) => s.trim()),
          keep: opts.keep === true,
          dataDir: opts.dataDirDemo,
          signal: ac.signal,
        });
      } catch (err) {
        if (err instanceof RangeError) throw new CliError(err.message);
        throw err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (ac.signal.aborted) return;
      if (r.duplicates > 0 || r.violations.length > 0 || r.failures.length > 0)
        throw new CliError(
          `demo failed: ${[...r.failures, ...r.violations].join('; ') || `${r.duplicates} duplicates`}`,
        );
    });
}
