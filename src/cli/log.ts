import type { Command } from 'commander';
import { mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CliError } from './cli-error.js';
import { configFor, out } from './context.js';
import type { LoadedConfig } from '../config/index.js';
import {
  DecisionLog,
  DecisionRecordError,
  GENESIS_HASH,
  verifyDecisionLog,
  type DecisionHead,
} from '../decisions/index.js';

/** The log directory the config names (relative to the data dir). */
function logDir(loaded: LoadedConfig): string {
  const d = loaded.config.decisions.dir;
  return isAbsolute(d) ? d : join(loaded.dataDir, d);
}

function parseHead(text: string): DecisionHead {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text);
  if (!m)
    throw new CliError(`--head: expected SEQ:HASH (64 lower-case hex digits), got ${JSON.stringify(text)}`);
  return { seq: Number(m[1]), hash: m[2]! };
}

/** The head the store holds (`--anchor store`): what a rewrite of the whole file cannot change. */
async function anchoredHead(loaded: LoadedConfig, where: string): Promise<DecisionHead> {
  if (where !== 'store') throw new CliError(`--anchor: expected "store", got ${JSON.stringify(where)}`);
  const { openStore } = await import('../store/open-store.js');
  const { readAnchoredHead, DECISION_HEAD_KEY } = await import('../decisions/head-anchor.js');
  const store = await openStore(loaded.config, loaded.dataDir);
  try {
    const h = await readAnchoredHead(store.kv);
    if (h === null)
      throw new CliError(
        `--anchor store: the store holds no decision head (kv ${DECISION_HEAD_KEY}); openWarden, the daemon and \`warden log append\` write it`,
      );
    return { seq: h.seq, hash: h.hash };
  } finally {
    await store.close();
  }
}

/** Writes `head` as the store's decision head (never moving it back); null when done. */
async function anchorInStore(loaded: LoadedConfig, head: DecisionHead): Promise<null> {
  const { openStore } = await import('../store/open-store.js');
  const { anchorHead } = await import('../decisions/head-anchor.js');
  const store = await openStore(loaded.config, loaded.dataDir);
  try {
    await anchorHead(store.kv, head, Date.now());
    return null;
  } finally {
    await store.close();
  }
}

function parseData(text: string): unknown {
  const raw = text === '-' ? readFileSync(0, 'utf8') : text;
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw new CliError(`--data: not valid JSON (${(err as Error).message})`);
  }
}

/** `warden log verify`, `warden log append`. */
export function registerLog(program: Command): void {
  const log = program.command('log').description('the append-only, hash-chained decision log');
  registerVerify(log);
  registerAppend(log);
  registerHead(log);
}

/** `warden log verify [PATH]`: the hash chain checked, against a head given or anchored in the store. */
function registerVerify(log: Command): void {
  log
    .command('verify')
    .description('check the hash chain; exit 0 when intact, 1 naming the first bad line (FILE:LINE)')
    .argument('[path]', 'the log directory or one segment file (default: the data dir’s decision log)')
    .option('--head <seq:hash>', 'a head recorded elsewhere (store, heartbeat, alert) the log must contain')
    .option('--strict', 'also require every line to be valid, canonical JSON (slower)')
    .option(
      '--anchor <where>',
      'check against the head kept off the host: "store" (written by openWarden, the daemon and `warden log append`)',
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (
        path: string | undefined,
        opts: { head?: string; anchor?: string; strict?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        if (opts.head !== undefined && opts.anchor !== undefined)
          throw new CliError('--head and --anchor: give one of them');
        const head =
          opts.anchor !== undefined
            ? await anchoredHead(configFor(cmd), opts.anchor)
            : opts.head === undefined
              ? undefined
              : parseHead(opts.head);
        const target = path ?? logDir(configFor(cmd));
        const r = verifyDecisionLog(target, { head, strict: opts.strict === true });
        if (opts.json) {
          out(r, true);
          if (!r.ok) process.exitCode = 1;
          return;
        }
        if (!r.ok) throw new CliError(`${r.file}:${r.line}: ${r.message} [${r.code}]`);
        const anchored = head
          ? `, contains the ${opts.anchor === 'store' ? "store's" : 'anchored'} head seq ${head.seq}`
          : '';
        out(
          `ok: ${r.lines} lines in ${r.files} file${r.files === 1 ? '' : 's'}, head seq ${r.head.seq} hash ${r.head.hash}${anchored}`,
          false,
        );
      },
    );
}

/** `warden log append KIND`: one decision, durable, its head anchored in the store. */
function registerAppend(log: Command): void {
  log
    .command('append')
    .description('append one decision and wait until it is on disk; prints its {seq, hash}')
    .argument('<kind>', 'what was decided: bot, gate, mode, state, bot.signal, … (lower-case)')
    .option('--data <json>', 'the decision as JSON (- reads it from stdin)', 'null')
    .option('--by <name>', 'who decided')
    .option('--json', 'print {"seq","hash"} as JSON')
    .action(async (kind: string, opts: { data: string; by?: string; json?: boolean }, cmd: Command) => {
      const data = parseData(opts.data);
      const loaded = configFor(cmd);
      mkdirSync(loaded.dataDir, { recursive: true });
      const c = loaded.config.decisions;
      let dlog: DecisionLog;
      try {
        dlog = DecisionLog.open({
          dir: logDir(loaded),
          flushIntervalMs: c.flushIntervalMs,
          rotateBytes: c.rotateBytes,
          rotateDaily: c.rotateDaily,
        });
      } catch (err) {
        throw new CliError((err as Error).message, 1, { cause: err });
      }
      let head: DecisionHead = { seq: 0, hash: GENESIS_HASH };
      try {
        head = await dlog.append({ kind, data, by: opts.by }, { durable: true });
      } catch (err) {
        await dlog.close().catch(() => undefined);
        if (err instanceof DecisionRecordError) throw new CliError(err.message, 1, { cause: err });
        throw new CliError((err as Error).message, 1, { cause: err });
      }
      // The head goes to the store as the library's writers send it, while this process still
      // holds the writer lock (so no other writer of the log races the read-then-write).
      const anchorError = await anchorInStore(loaded, head).catch((err: unknown) => err as Error);
      await dlog.close();
      out(opts.json ? head : `${head.seq} ${head.hash}`, opts.json === true);
      if (anchorError !== null)
        throw new CliError(
          `the decision is recorded (seq ${head.seq}; do not append it again) but its head is not in the store: ` +
            `${anchorError.message}; \`warden log verify --anchor store\` checks against the last head anchored`,
          1,
          { cause: anchorError },
        );
    });
}

/** `warden log head`: the head to record off the host. */
function registerHead(log: Command): void {
  log
    .command('head')
    .description('print the head {seq, hash} of the log (to record it off the host)')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }, cmd: Command) => {
      const r = verifyDecisionLog(logDir(configFor(cmd)));
      if (!r.ok) throw new CliError(`${r.file}:${r.line}: ${r.message} [${r.code}]`);
      out(opts.json ? r.head : `${r.head.seq} ${r.head.hash}`, opts.json === true);
    });
}
