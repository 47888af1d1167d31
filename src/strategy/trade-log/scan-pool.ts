import { receiveMessageOnPort } from 'node:worker_threads';
import { parseChunk, primeParser, type ChunkJob, type ChunkResult } from './chunk-parse.js';
import { AHEAD, CLAIMED, POSTED, REPLAYED, type PoolMessage } from './scan-pool-protocol.js';
import { addWorker, endPool, startPool, takePrestarted, type Pool } from './scan-pool-start.js';

/** With no message from any worker for this long, the pool is given up (see `forEachChunk`). */
const STALL_MS = 60_000;

/**
 * Parses the pieces of a log and hands each result to `replay` in file order. With `threads` > 1
 * they are parsed by this thread and `threads - 1` worker threads, synchronously (the threads
 * share counters; this one parses the next unclaimed piece or blocks in `Atomics.wait`). Whatever goes wrong in the pool
 * (a worker that cannot start, a piece that fails, no progress for a minute), the remaining
 * pieces are parsed in this thread, which also throws a piece's error with its own class.
 */
export function forEachChunk(
  jobs: readonly ChunkJob[],
  threads: number,
  replay: (r: ChunkResult, k: number) => void,
): void {
  let next = 0;
  if (threads > 1 && jobs.length > 1) next = replayFromPool(jobs, Math.min(threads, jobs.length) - 1, replay);
  else {
    const unused = takePrestarted();
    if (unused !== undefined) endPool(unused);
  }
  for (; next < jobs.length; next++) replay(parseChunk(jobs[next] as ChunkJob), next);
}

/** Replays what the pool parses (`workers` threads and this one); returns the first piece not replayed. */
function replayFromPool(
  jobs: readonly ChunkJob[],
  workers: number,
  replay: (r: ChunkResult, k: number) => void,
): number {
  let pool: Pool | undefined;
  let done = 0;
  try {
    pool = takePrestarted() ?? startPool(0);
    while (pool.workers.length > workers) {
      void pool.workers.pop()?.terminate();
      pool.ports.pop()?.close();
    }
    while (pool.workers.length < workers) addWorker(pool);
    const { ctl, ports } = pool;
    for (const p of ports) p.postMessage({ jobs });
    // This thread parses pieces too: its parser is primed first, as a worker's is, while the
    // workers take the first pieces. Without it V8 compiles the parser on this thread's first
    // piece, which never takes some of its paths (a piece's first lines), and compiles it again
    // when the next piece takes them (--trace-deopt: 4 compiles of jsonBlock instead of 1).
    primeParser();
    const parsed = new Map<number, ChunkResult>();
    while (done < jobs.length) {
      const seen = Atomics.load(ctl, POSTED);
      let got = false;
      for (const p of ports) {
        for (let m = receiveMessageOnPort(p); m !== undefined; m = receiveMessageOnPort(p)) {
          const msg = m.message as PoolMessage;
          if (msg.error !== undefined) return done; // this thread parses it again, and throws
          parsed.set(msg.k, msg.result);
          got = true;
        }
      }
      for (let r = parsed.get(done); r !== undefined; r = parsed.get(done)) {
        parsed.delete(done);
        replay(r, done);
        done++;
        Atomics.store(ctl, REPLAYED, done);
        Atomics.notify(ctl, REPLAYED);
      }
      if (got || done >= jobs.length) continue;
      // This thread parses too: the next unclaimed piece, if it is not too far ahead.
      const k = Atomics.load(ctl, CLAIMED);
      if (k < jobs.length && k < done + AHEAD && Atomics.compareExchange(ctl, CLAIMED, k, k + 1) === k) {
        parsed.set(k, parseChunk(jobs[k] as ChunkJob));
        continue;
      }
      if (Atomics.wait(ctl, POSTED, seen, STALL_MS) === 'timed-out') return done;
    }
    return done;
  } catch (err) {
    if (done === 0 && (pool === undefined || pool.workers.length < workers)) return 0; // a worker could not be made
    throw err;
  } finally {
    if (pool !== undefined) endPool(pool);
  }
}
