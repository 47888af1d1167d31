// `warden evaluate --full` reads the whole log, on worker threads for a long one: they are
// started before the command's modules and config load, so their start-up overlaps that.
import { commandWord } from './command-word.js';

/** Starts the scan's worker threads at once when `argv` is `evaluate --full` (not its help). */
export async function prestartEvaluateWorkers(argv: readonly string[]): Promise<void> {
  if (commandWord(argv) !== 'evaluate' || !argv.includes('--full')) return;
  if (argv.includes('--help') || argv.includes('-h')) return;
  const { prestartScanWorkers, scanThreads } = await import('../strategy/trade-log/scan-pool-start.js');
  prestartScanWorkers(scanThreads() - 1);
}
