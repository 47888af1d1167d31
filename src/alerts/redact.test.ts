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

  it('masks every identifying fragment in raw, JSON-escaped and URL-encoded form', () => {
    const token = '7312345678:AAHfV9x-Qk3_zZp0LmNoPqRsTuVwXyZaB12';
    const slack = 'https://hooks.slack.com/services/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';
    const discord =
      'https://discord.com/api/webhooks/1187654321098765432/dXs-9Kq_Zt8vYw7uXr6sQp5oNm4lKj3iHg2fEd1cBa0';
    const hook = 'https://relay.example/hooks/relay-9f8e7d6c5b4a?key=k3y-s3cr3t-v4lue';
    const r = new Redactor([token, `https://api.telegram.org/bot${token}/sendMessage`, slack, discord, hook]);
    const fragments = [
      token,
      '7312345678',
      'AAHfV9x-Qk3_zZp0LmNoPqRsTuVwXyZaB12',
      'T04ABCD1234',
      'B05EFGH5678',
      'xoxbW3bh00kS3cr3tV4lue24',
      '1187654321098765432',
      'dXs-9Kq_Zt8vYw7uXr6sQp5oNm4lKj3iHg2fEd1cBa0',
      'relay-9f8e7d6c5b4a',
      'k3y-s3cr3t-v4lue',
      new URL(slack).pathname,
      new URL(discord).pathname,
      `/bot${token}/sendMessage`,
    ];
    for (const f of fragments) {
      const json = JSON.stringify(f).slice(1, -1);
      const forms = [
        f,
        json.replace(/\//g, '\\/'),
        json.replace(/\//g, '\\u002f'),
        encodeURIComponent(f),
        encodeURIComponent(f).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
      ];
      for (const form of forms) {
        const out = r.redact(`error: you sent <${form}>`);
        assert.equal(out.includes(f.slice(0, 8)), false, `${form} → ${out}`);
        assert.match(out, /^error: you sent <.*\*\*\*.*>$/);
      }
    }
  });

  it('leaves short pieces and the public words of the channel URLs alone', () => {
    const r = new Redactor(['https://hooks.slack.com/services/T0/B0/xoxbW3bh00kS3cr3tV4lue24']);
    assert.equal(r.redact('no such services at T0 or B0'), 'no such services at T0 or B0');
    assert.equal(new Redactor([]).redact('plain'), 'plain');
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
