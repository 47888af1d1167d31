import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../store/index.js';
import { ManualClock } from '../util/clock.js';
import { Alerter } from './alerter.js';
import { Redactor } from './redact.js';
import { MAX_STORED_ERROR } from './stored-error.js';
import type { Notifier } from './types.js';

const SECRET = 'https://hooks.example/api/webhooks/1187654321098765432/dXs-9Kq_Zt8vYw7uXr6sQp5oNm4lKj3';

describe('Alerter errors', () => {
  it("masks a throwing notifier's message with the channel's redactor and bounds what it stores", async () => {
    await using store = SqliteStore.open(join(mkdtempSync(join(tmpdir(), 'warden-alert-err-')), 'w.db'));
    const redactor = new Redactor([SECRET]);
    const notifier: Notifier = {
      name: 'hook',
      type: 'webhook',
      problem: null,
      send: () => Promise.reject(new Error(`cannot POST ${SECRET}: ${'z'.repeat(5000)}`)),
      redact: (t) => redactor.redact(t),
    };
    const log: string[] = [];
    const errors: string[] = [];
    const alerter = new Alerter({
      store,
      channels: [notifier],
      ratePerMinute: 10,
      maxAttempts: 3,
      clock: new ManualClock(Date.UTC(2026, 0, 1)),
      log: (l) => log.push(l),
    });
    alerter.onFailed((e) => errors.push(e.error));
    await (
      await alerter.alert({ key: 'k', severity: 'critical', title: 't', body: 'b' })
    ).delivered;
    const [row] = await store.alerts.list();
    const stored = row?.lastError ?? '';
    assert.match(stored, /^notifier threw: cannot POST https:\/\/hooks\.example\/\*\*\*: z+…$/);
    assert.equal(stored.length, MAX_STORED_ERROR);
    for (const text of [stored, ...log, ...errors]) {
      assert.equal(text.includes('1187654321098765432'), false, text);
      assert.equal(text.includes('dXs-9Kq_Zt8v'), false, text);
    }
    assert.equal(errors[0], stored, 'the event carries what was stored');
    await alerter.close();
  });
});
