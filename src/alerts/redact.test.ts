import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maskUrl, Redactor } from './redact.js';
import { parseRetryAfter } from './http-post.js';

describe('Redactor', () => {
  it('masks a webhook URL whole, its path alone, and a token in any form', () => {
    const url = 'https://hooks.slack.com/services/T0/B0/s3cr3t';
    const token = '12345:abc/def';
    const r = new Redactor([url, token, null, undefined]);
    assert.equal(r.redact(`POST ${url} failed`), 'POST https://hooks.slack.com/*** failed');
    assert.equal(r.redact('no route for /services/T0/B0/s3cr3t'), 'no route for ***');
    assert.equal(r.redact(`bot${token} and bot${encodeURIComponent(token)}`), 'bot*** and bot***');
  });

  it('shows a URL by its origin only, credentials dropped', () => {
    assert.equal(maskUrl('https://user:pw@example.com:8443/hook?x=1'), 'https://example.com:8443/***');
    assert.equal(maskUrl('not a url'), '***');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and caps them at a day', () => {
    assert.equal(parseRetryAfter('30', 0), 30_000);
    assert.equal(parseRetryAfter('0.5', 0), 500);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
    assert.equal(parseRetryAfter('999999999', 0), 86_400_000);
    assert.equal(parseRetryAfter('soon', 0), undefined);
    assert.equal(parseRetryAfter(null, 0), undefined);
  });
});
