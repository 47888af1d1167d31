import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_FIELDS } from '../evaluate/evaluation-options.js';
import type { ChunkJob, ChunkResult } from './chunk-parse.js';
import { forEachChunk } from './scan-pool.js';
import { prestartScanWorkers, takePrestarted } from './scan-pool-start.js';
import { writeSyntheticLog } from './synthetic-log.js';

/** The log cut into `n` pieces at line starts. */
function jobsOf(path: string, n: number): ChunkJob[] {
  const bytes = readFileSync(path);
  const base = {
    path,
    format: 'jsonl' as const,
    fields: DEFAULT_FIELDS,
    groupBy: 'sport',
    maxTs: Infinity,
    cutoff: 0,
  };
  const starts = [0];
  for (let k = 1; k < n; k++) starts.push(bytes.indexOf(10, Math.floor((k * bytes.length) / n)) + 1);
  return starts.map((start, k) => ({ ...base, start, end: starts[k + 1] ?? bytes.length }));
}

function collect(
  jobs: ChunkJob[],
  threads: number,
): { k: number; count: number; trades: number[]; line: number }[] {
  const out: { k: number; count: number; trades: number[]; line: number }[] = [];
  forEachChunk(jobs, threads, (r: ChunkResult, k) =>
    out.push({ k, count: r.count, trades: Array.from(r.trades.subarray(0, 4 * r.count)), line: r.endLine }),
  );
  return out;
}

describe('the scan pool', () => {
  it('uses workers started before the scan, and gives what this thread alone gives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-pool-'));
    try {
      const log = join(dir, 't.jsonl');
      writeSyntheticLog(log, { lines: 4000, strategies: 3, days: 2, seed: 3 });
      prestartScanWorkers(1);
      await sleep(50); // the worker starts while this thread does something else
      const alone = collect(jobsOf(log, 6), 0);
      // the scan above needed no worker: it ended the pre-started one rather than leave it
      assert.equal(takePrestarted(), undefined);
      prestartScanWorkers(1);
      const pooled = collect(jobsOf(log, 6), 2);
      assert.equal(takePrestarted(), undefined, 'the pool took the pre-started worker');
      assert.deepEqual(pooled, alone);
      assert.deepEqual(
        pooled.map((p) => p.k),
        [0, 1, 2, 3, 4, 5],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
