import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endPool, PARALLEL_MIN_BYTES, takePrestarted } from '../strategy/trade-log/scan-pool-start.js';
import { prestartEvaluateWorkers } from './evaluate-prestart.js';

describe('warden evaluate --full: workers started first thing', () => {
  it('starts them for a long log or one the flags do not name, not for a short one or a plain evaluate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-prestart-'));
    try {
      const short = join(dir, 'short.jsonl');
      const long = join(dir, 'long.jsonl');
      writeFileSync(short, '{}\n');
      writeFileSync(long, '');
      truncateSync(long, PARALLEL_MIN_BYTES); // a sparse file: only its size is read
      const started = async (argv: string[]): Promise<boolean> => {
        await prestartEvaluateWorkers(argv);
        const pool = takePrestarted();
        if (pool !== undefined) endPool(pool);
        return pool !== undefined && pool.workers.length > 0;
      };
      assert.equal(await started(['evaluate', '--full', '--trades', long]), true);
      assert.equal(await started(['--data-dir', dir, 'evaluate', '--full']), true);
      assert.equal(await started(['evaluate', '--full', '--trades', short]), false);
      assert.equal(await started(['evaluate', '--full', `--trades=${short}`]), false);
      assert.equal(await started(['evaluate', '--trades', long]), false);
      assert.equal(await started(['evaluate', '--full', '--help']), false);
      assert.equal(await started(['status', '--full']), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
