import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redactor } from '../alerts/index.js';
import { createLogger, prettyLine } from './logger.js';
import { collectingStream } from '../util/test-collector.js';

describe('daemon logger', () => {
  it('writes JSON lines, masks every secret, and sends warnings and errors with their cause to stderr', () => {
    const out = collectingStream();
    const err = collectingStream();
    const secret = 'hook-secret-abcdef123456';
    const log = createLogger({
      redactor: new Redactor([secret]),
      out: out.stream,
      errors: err.stream,
      pretty: false,
    });
    log.info({ url: `https://hooks.example/${secret}` }, `posting to ${secret}`);
    log.error({ err: new Error('send failed', { cause: new Error(`401 for ${secret}`) }) }, 'alert failed');
    assert.equal(out.lines.length, 1);
    assert.equal(err.lines.length, 1);
    const info = JSON.parse(out.lines[0]!) as { msg: string; url: string; level: number };
    assert.equal(info.level, 30);
    assert.equal(info.msg, 'posting to ***');
    assert.doesNotMatch(out.lines[0]! + err.lines[0]!, /hook-secret/);
    const e = JSON.parse(err.lines[0]!) as { err: { message: string; cause: { message: string } } };
    assert.match(e.err.message, /send failed/);
    assert.equal(e.err.cause.message, '401 for ***', 'the cause is logged, masked');
  });

  it('pretty-prints for a terminal', () => {
    const line = prettyLine('{"level":40,"time":0,"pid":1,"name":"w","msg":"late","heartbeat":"bot"}');
    assert.equal(line, '00:00:00 WARN late heartbeat=bot\n');
  });

  it('leaves no console.log or bare stdout write in the daemon folder', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const files = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory()
          ? files(join(d, e.name))
          : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
            ? [join(d, e.name)]
            : [],
      );
    const offenders = files(here).filter((f) =>
      /console\.(log|info|warn|error)|process\.stdout\.write/.test(readFileSync(f, 'utf8')),
    );
    assert.deepEqual(offenders, []);
  });
});
