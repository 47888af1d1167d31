// `warden evaluate --full` reads the whole log, on worker threads for a long one: they are
// started before the command's modules and config load, so their start-up overlaps that.
import { statSync } from 'node:fs';
import { commandWord } from './command-word.js';

/** Whether `--trades <file>` names a log too short for worker threads (no flag: not known yet). */
function shortLog(argv: readonly string[], minBytes: number): boolean {
  const i = argv.indexOf('--trades');
  const path = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--trades='))?.slice(9);
  if (path === undefined) return false;
  try {
    return statSync(path).size < minBytes;
  } catch {
    return true; // the command reports the missing log
  }
}

/**
 * Starts the scan's worker threads at once when `argv` is `evaluate --full` (not its help) and
 * the log is not known to be short.
 */
export async function prestartEvaluateWorkers(argv: readonly string[]): Promise<void> {
  if (commandWord(argv) !== 'evaluate' || !argv.includes('--full')) return;
  if (argv.includes('--help') || argv.includes('-h')) return;
  const pool = await import('../strategy/trade-log/scan-pool-start.js');
  if (!shortLog(argv, pool.PARALLEL_MIN_BYTES)) pool.prestartScanWorkers(pool.scanThreads() - 1);
}
