// A worker thread of the scan pool (scan-pool.ts): loads the parser, waits for the pieces on its
// port (a worker may be started before the scan knows them), then claims them in turn, parses
// each and posts the result, never more than a few pieces ahead of what the main thread has replayed.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { ChunkJob } from './chunk-parse.js';
import { AHEAD, CLAIMED, POSTED, REPLAYED, type PoolMessage } from './scan-pool-protocol.js';

const { ctl: shared, port } = workerData as { ctl: SharedArrayBuffer; port: MessagePort };
const ctl = new Int32Array(shared);
/** At most this many rounds of `primeParser` (500 lines each) while the pieces have not come. */
const PRIME_ROUNDS = 40;
const post = (m: PoolMessage, transfer: ArrayBuffer[] = []): void => {
  port.postMessage(m, transfer);
  Atomics.add(ctl, POSTED, 1);
  Atomics.notify(ctl, POSTED);
};

// The first piece posted detaches its trades' buffer (a transfer), and the first detach in a
// thread invalidates V8's "no buffer was ever detached" assumption: every function optimised
// before it (the parser, primed below) is thrown away and compiled again. So one is detached now.
{
  const b = new ArrayBuffer(8);
  structuredClone(b, { transfer: [b] });
}

try {
  const { parseChunk, primeParser } = await import('./chunk-parse.js');
  // Until the pieces come, the parser is primed (compiled by V8 on seen paths), a round at a time.
  let jobs: ChunkJob[] | undefined;
  for (let r = 0; r < PRIME_ROUNDS && jobs === undefined; r++) {
    primeParser();
    jobs = (receiveMessageOnPort(port)?.message as { jobs: ChunkJob[] } | undefined)?.jobs;
  }
  jobs ??= await new Promise<ChunkJob[]>((resolve) =>
    port.once('message', (m: { jobs: ChunkJob[] }) => resolve(m.jobs)),
  );
  for (;;) {
    const k = Atomics.add(ctl, CLAIMED, 1);
    if (k >= jobs.length) break;
    for (let done = Atomics.load(ctl, REPLAYED); k >= done + AHEAD; done = Atomics.load(ctl, REPLAYED))
      Atomics.wait(ctl, REPLAYED, done, 1000);
    try {
      const r = parseChunk(jobs[k] as ChunkJob);
      post({ k, result: r }, [r.trades.buffer as ArrayBuffer]);
    } catch (err) {
      post({ k, error: { name: (err as Error).name, message: (err as Error).message } });
    }
  }
} catch (err) {
  post({ k: -1, error: { name: (err as Error).name, message: (err as Error).message } });
} finally {
  port.close();
}
