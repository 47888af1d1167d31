// Starting the scan pool's worker threads (scan-worker.ts), apart from the pool's loop
// (scan-pool.ts) so the command line can start them early without loading the parser.
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

/** A read at least this long is parsed on worker threads (a shorter one costs less than they take to start). */
export const PARALLEL_MIN_BYTES = 16 << 20;

/** Threads a long read is parsed on by default: the machine's cores, up to this many. */
export const MAX_SCAN_THREADS = 4;

/** Threads (this one included) a long read is parsed on by default. */
export function scanThreads(): number {
  return Math.min(MAX_SCAN_THREADS, availableParallelism());
}

/** Young generation of a worker's heap (MB). */
const YOUNG_MB = 8;

const here = import.meta.url;
const fromSources = here.endsWith('.ts');

/** A worker running scan-worker beside this file: from dist/ as it is, from the sources through tsx. */
function startWorker(workerData: unknown, transferList: MessagePort[]): Worker {
  // A small young generation: a worker's garbage is its pieces' strings, and peak RSS stays low.
  const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_MB };
  if (!fromSources)
    return new Worker(new URL('./scan-worker.js', here), { workerData, transferList, resourceLimits });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./scan-worker.ts', here).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData, transferList, resourceLimits });
}

/** Worker threads that share one set of counters, each waiting for the jobs on its port. */
export interface Pool {
  readonly ctl: Int32Array;
  readonly workers: Worker[];
  readonly ports: MessagePort[];
}

/** Starts `count` workers (as many as can be made). */
export function startPool(count: number): Pool {
  const pool: Pool = { ctl: new Int32Array(new SharedArrayBuffer(3 * 4)), workers: [], ports: [] };
  try {
    for (let i = 0; i < count; i++) addWorker(pool);
  } catch {
    // as many as could be made; this thread parses what they do not
  }
  return pool;
}

/** Starts one more worker of `pool`; throws when it cannot be made. */
export function addWorker(pool: Pool): void {
  const { port1, port2 } = new MessageChannel();
  const w = startWorker({ ctl: pool.ctl.buffer, port: port2 }, [port2]);
  w.on('error', () => {}); // a worker that fails is replaced by this thread (below)
  w.unref();
  pool.workers.push(w);
  pool.ports.push(port1);
}

/** Closes the ports and ends the workers. */
export function endPool(pool: Pool): void {
  for (const p of pool.ports) p.close();
  for (const w of pool.workers) void w.terminate();
}

// Process-wide (the command's bundle and dist/ may each hold a copy of this module).
const PRESTARTED = Symbol.for('warden.scanPool.prestarted');
const slot = globalThis as { [PRESTARTED]?: Pool };

/**
 * Starts `count` pool workers now, so that their start-up (a Node environment, the parser's
 * modules) overlaps whatever this thread does before the scan (the command line's config and
 * state). The next pool scan uses them; one that needs none ends them. Unref'd: they never keep
 * the process alive.
 */
export function prestartScanWorkers(count: number): void {
  if (slot[PRESTARTED] !== undefined || !(count >= 1)) return;
  slot[PRESTARTED] = startPool(count);
}

/** The pre-started workers, taken (each is used once), or none. */
export function takePrestarted(): Pool | undefined {
  const pool = slot[PRESTARTED];
  slot[PRESTARTED] = undefined;
  return pool;
}
