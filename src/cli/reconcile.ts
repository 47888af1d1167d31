import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { out } from './context.js';
import { withConfiguredExchange } from './configured-exchange.js';
import { referencedTimers, withRuntime } from './runtime.js';
import { reconcile } from '../orders/index.js';

/** `warden reconcile`: the start-up reconciliation, by hand, against the configured venue. */
export function registerReconcile(program: Command): void {
  program
    .command('reconcile')
    .description(
      'compare the store with the configured venue (open orders, positions, balances), resolve unfinished orders by client id, report and alert differences; exit 1 when it could not resolve everything',
    )
    .option('--json', 'machine-readable output')
    .option(
      '--not-placed <P>',
      'an unfinished order the venue confirms it never received: dlq (default) or resend',
      'dlq',
    )
    .action(async (opts: { json?: boolean; notPlaced: string }, cmd: Command) => {
      if (opts.notPlaced !== 'dlq' && opts.notPlaced !== 'resend')
        throw new CliError(`--not-placed must be dlq or resend (got ${JSON.stringify(opts.notPlaced)})`);
      await withRuntime(cmd, async (rt) => {
        const report = await withConfiguredExchange(rt, 'reconcile', (exchange) =>
          reconcile({
            exchange,
            orderStore: rt.store.orders,
            dlq: rt.store.dlq,
            notPlaced: opts.notPlaced as 'dlq' | 'resend',
            alerts: rt.alerts,
            print: opts.json ? null : (text) => out(text, false),
            timers: referencedTimers,
          }),
        );
        if (opts.json) out(report, true);
        if (!report.ok) process.exitCode = 1;
      });
    });
}
