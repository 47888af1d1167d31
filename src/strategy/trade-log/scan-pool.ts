import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { parseChunk, type ChunkJob, type ChunkResult } from './chunk-parse.js';
import { POSTED, REPLAYED, type PoolMessage } from './scan-pool-protocol.js';

/** With no message from any worker for this long, the pool is given up (see `forEachChunk`). */
const STALL_MS = 60_000;

const here = import.meta.url;
const fromSources = here.endsWith('.ts');

/** A worker running scan-worker beside this file: from dist/ as it is, from the sources through tsx. */
function startWorker(workerData: unknown, transferList: MessagePort[]): Worker {
  if (!fromSources) return new Worker(new URL('./scan-worker.js', here), { workerData, transferList });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./scan-worker.ts', here).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData, transferList });
}

/**
 * Parses the pieces of a log and hands each result to `replay` in file order. With `threads` > 1
 * they are parsed by that many worker threads while this thread replays, synchronously (the
 * threads share counters; this one blocks in `Atomics.wait`). Whatever goes wrong in the pool
 * (a worker that cannot start, a piece that fails, no progress for a minute), the remaining
 * pieces are parsed in this thread, which also throws a piece's error with its own class.
 */
export function forEachChunk(
  jobs: readonly ChunkJob[],
  threads: number,
  replay: (r: ChunkResult, k: number) => void,
): void {
  let next = 0;
  if (threads > 1 && jobs.length > 1) next = replayFromPool(jobs, Math.min(threads, jobs.length), replay);
  for (; next < jobs.length; next++) replay(parseChunk(jobs[next] as ChunkJob), next);
}

/** Replays what the pool parses; returns the first piece it did not replay. */
function replayFromPool(
  jobs: readonly ChunkJob[],
  threads: number,
  replay: (r: ChunkResult, k: number) => void,
): number {
  const ctl = new Int32Array(new SharedArrayBuffer(3 * 4));
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  let done = 0;
  try {
    for (let i = 0; i < threads; i++) {
      const { port1, port2 } = new MessageChannel();
      const w = startWorker({ jobs, ctl: ctl.buffer, port: port2 }, [port2]);
      w.on('error', () => {}); // a worker that fails is replaced by this thread (above)
      w.unref();
      workers.push(w);
      ports.push(port1);
    }
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
      if (!got && done < jobs.length && Atomics.wait(ctl, POSTED, seen, STALL_MS) === 'timed-out')
        return done;
    }
    return done;
  } catch (err) {
    if (done === 0 && workers.length < threads) return 0; // a worker could not be made
    throw err;
  } finally {
    for (const p of ports) p.close();
    for (const w of workers) void w.terminate();
  }
}
