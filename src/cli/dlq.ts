import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { out } from './context.js';
import { referencedTimers, withRuntime, type Runtime } from './runtime.js';
import { withConfiguredExchange } from './configured-exchange.js';
import { ExchangeSimulator, InProcessExchange, type Exchange } from '../exchange/index.js';
import {
  DLQ_STATUSES,
  DeadLetterQueue,
  DlqEntryError,
  Executor,
  alwaysReady,
  intentFromPayload,
  parseDlqId,
  type DlqEntry,
  type DlqStatus,
  type SubmitResult,
} from '../orders/index.js';
import type { Store } from '../store/index.js';

const STATUSES: readonly DlqStatus[] = DLQ_STATUSES;

function id(raw: string): number {
  try {
    return parseDlqId(raw);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

async function withDlq<T>(
  cmd: Command,
  fn: (dlq: DeadLetterQueue, stores: Pick<Store, 'orders' | 'dlq'>, rt: Runtime) => Promise<T>,
): Promise<T> {
  return withRuntime(cmd, async (rt) => {
    try {
      return await fn(new DeadLetterQueue(rt.store.dlq), rt.store, rt);
    } catch (err) {
      if (err instanceof DlqEntryError) throw new CliError(err.message);
      throw err;
    }
  });
}

function line(e: DlqEntry): string {
  const i = intentFromPayload(e.payload);
  const when = new Date(e.createdAt).toISOString();
  return `#${e.id} ${e.status} ${when} ${e.idempotencyKey} ${i.side} ${i.amount} ${i.symbol}${i.price === undefined ? '' : ` @ ${i.price}`} — ${e.reason} (${e.errorClass}, ${e.attempts} attempts)`;
}

/** `warden dlq list | show ID | replay ID | resolve ID --note T`. */
export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description('the order dead-letter queue: what failed for good');
  registerList(dlq);
  registerShow(dlq);
  registerReplay(dlq);
  registerResolve(dlq);
}

/** `warden dlq list`: entries, newest first. */
function registerList(dlq: Command): void {
  dlq
    .command('list')
    .description('entries, newest first')
    .option('--json', 'machine-readable output')
    .option('--status <S>', `only entries with this status (${STATUSES.join(', ')})`)
    .option('--limit <N>', 'at most N entries', '100')
    .action(async (opts: { json?: boolean; status?: string; limit: string }, cmd: Command) => {
      if (opts.status !== undefined && !STATUSES.includes(opts.status as DlqStatus))
        throw new CliError(
          `--status must be one of ${STATUSES.join(', ')} (got ${JSON.stringify(opts.status)})`,
        );
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new CliError(`--limit must be a positive integer (got ${JSON.stringify(opts.limit)})`);
      await withDlq(cmd, async (q) => {
        const entries = await q.list({ status: opts.status as DlqStatus | undefined, limit });
        if (opts.json) out(entries, true);
        else if (entries.length === 0) out('the dead-letter queue is empty', false);
        else for (const e of entries) out(line(e), false);
      });
    });
}

/** `warden dlq show ID`: one entry with its payload and every error. */
function registerShow(dlq: Command): void {
  dlq
    .command('show')
    .description('one entry with its payload and every error')
    .argument('<id>', 'entry id')
    .option('--json', 'machine-readable output')
    .action(async (raw: string, opts: { json?: boolean }, cmd: Command) => {
      const n = id(raw);
      await withDlq(cmd, async (q) => {
        const e = await q.show(n);
        if (opts.json) return out(e, true);
        out(line(e), false);
        out(`client order id: ${e.clientOrderId ?? '-'}`, false);
        out(`payload: ${e.payload}`, false);
        if (e.note !== null) out(`note: ${e.note}`, false);
        for (const x of e.errors)
          out(
            `  ${new Date(x.at).toISOString()} ${x.name}${x.code ? ` ${x.code}` : ''}: ${x.message}`,
            false,
          );
      });
    });
}

/** `warden dlq replay ID`: the entry sent again through the executor under its idempotency key. */
function registerReplay(dlq: Command): void {
  dlq
    .command('replay')
    .description(
      'send the entry again through the executor, under the same idempotency key (the venue is asked first)',
    )
    .argument('<id>', 'entry id')
    .option(
      '--exchange <E>',
      '`sim` replays on the in-process simulator (a dry run); default: the venue of the config\'s "exchange" section',
    )
    .option('--json', 'machine-readable output')
    .action(async (raw: string, opts: { exchange?: string; json?: boolean }, cmd: Command) => {
      const n = id(raw);
      if (opts.exchange !== undefined && opts.exchange !== 'sim')
        throw new CliError(
          `--exchange must be sim (got ${JSON.stringify(opts.exchange)}); leave it out to replay on the venue of the config's "exchange" section`,
        );
      await withDlq(cmd, async (q, stores, rt) => {
        const entry = await q.show(n);
        const intent = intentFromPayload(entry.payload);
        const run = async (exchange: Exchange) => {
          const ks = await rt.killSwitch('cli');
          const executor = new Executor({
            exchange,
            orders: stores.orders,
            dlq: stores.dlq,
            symbols: [intent.symbol],
            killSwitch: ks,
            readiness: alwaysReady,
            alerts: rt.alerts,
            // referenced: a lookup may wait out the receive window, and nothing else keeps the CLI alive
            timers: referencedTimers,
          });
          return q.replay(n, executor);
        };
        let replayed: Awaited<ReturnType<typeof run>>;
        if (opts.exchange === 'sim') {
          const [base, quote] = intent.symbol.split('/');
          const sim = new ExchangeSimulator({
            markets: [{ symbol: intent.symbol, mid: intent.price ?? 100 }],
            balances: { [base ?? 'BASE']: 1e12, [quote ?? 'QUOTE']: 1e12 },
          });
          replayed = await run(new InProcessExchange(sim));
        } else replayed = await withConfiguredExchange(rt, 'dlq replay', run);
        const { result, entry: after } = replayed;
        if (opts.json) return out({ result, entry: after }, true);
        out(`#${n} ${after.status}: ${result.status}${replayDetail(result)}`, false);
        if (result.status !== 'placed') process.exitCode = 1;
      });
    });
}

/** What the replay line adds to its status: the order, or why it was not placed. */
function replayDetail(r: SubmitResult): string {
  switch (r.status) {
    case 'placed':
      return ` as ${r.order.id} (${r.clientOrderId})`;
    case 'denied':
      return ` (${r.reason})`;
    case 'rejected':
      return ` (${r.error.name}: ${r.error.message})`;
    case 'dead':
      return ` (${r.error ? `${r.error.name}: ${r.error.message}` : r.reason})`;
  }
}

/** `warden dlq resolve ID --note T`: closed by hand. */
function registerResolve(dlq: Command): void {
  dlq
    .command('resolve')
    .description('close an entry by hand, with a note saying what was done')
    .argument('<id>', 'entry id')
    .requiredOption('--note <T>', 'what was done about it')
    .action(async (raw: string, opts: { note: string }, cmd: Command) => {
      const n = id(raw);
      if (opts.note.trim() === '') throw new CliError('--note must not be empty');
      await withDlq(cmd, async (q) => {
        const e = await q.resolve(n, opts.note);
        out(`#${e.id} resolved: ${e.note ?? ''}`, false);
      });
    });
}
