import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SNIPPET, postJson } from './http-post.js';
import { Redactor } from './redact.js';

const SECRET = 'https://hooks.example/services/T04ABCD1234/B05EFGH5678/xoxbW3bh00kS3cr3tV4lue24';

/** A fetch whose answer is `status` with a 3 MB body (a 16 KB chunk of `fill` per pull). */
function hugeAnswer(status: number, first: string, fill = 'p'): { fetch: typeof fetch; pulls: () => number } {
  let pulls = 0;
  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulls === 200) return c.close();
      c.enqueue(enc.encode(pulls++ === 0 ? first : fill.repeat(16 * 1024)));
    },
  });
  return {
    fetch: (() => Promise.resolve(new Response(stream, { status }))) as typeof fetch,
    pulls: () => pulls,
  };
}

const options = (f: typeof fetch) => ({
  fetch: f,
  url: SECRET,
  payload: { text: 'x' },
  timeoutMs: 5000,
  signal: new AbortController().signal,
  redactor: new Redactor([SECRET]),
  now: () => 0,
});

describe('postJson', () => {
  it(
    'reads a bounded part of a huge error body, and stores at most a snippet of it',
    { timeout: 10_000 },
    async () => {
      const a = hugeAnswer(500, 'upstream said: ');
      const out = await postJson(options(a.fetch));
      assert.equal(out.kind, 'retry');
      assert.ok(a.pulls() < 20, `stopped reading after ${a.pulls()} chunks`);
      assert.ok(
        out.kind === 'retry' && out.error.length < MAX_SNIPPET + 80,
        out.kind === 'retry' ? out.error : '',
      );
    },
  );

  it('masks a secret before cutting the snippet, so no prefix of it is left at the cut', async () => {
    const secretPart = 'xoxbW3bh00kS3cr3tV4lue24';
    for (let at = MAX_SNIPPET - secretPart.length; at <= MAX_SNIPPET; at++) {
      const body = `${'x'.repeat(at)}${secretPart} tail`;
      const f = (() => Promise.resolve(new Response(body, { status: 400 }))) as typeof fetch;
      const out = await postJson(options(f));
      assert.equal(out.kind, 'fail');
      assert.equal(out.kind === 'fail' && out.error.includes(secretPart.slice(0, 6)), false, `cut at ${at}`);
    }
  });
});
