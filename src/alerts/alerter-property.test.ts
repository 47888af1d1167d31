import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SqliteStore } from '../store/index.js';
import { ManualClock } from '../util/clock.js';
import { Alerter } from './alerter.js';
import type { AlertMessage, Notifier, SendOutcome } from './types.js';

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const RATE = 3;
const MAX_ATTEMPTS = 4;

type Answer = 'sent' | 'retry' | 'retry-after' | 'fail';
type Step = { op: 'alert'; key: number } | { op: 'advance'; ms: number } | { op: 'flush' };

/** A channel whose answers come from a script; it records every call with the time. */
class ScriptedNotifier implements Notifier {
  readonly name = 'scripted';
  readonly type = 'webhook' as const;
  readonly problem = null;
  readonly calls: { key: string; at: number; answer: Answer }[] = [];
  #i = 0;
  constructor(
    readonly answers: readonly Answer[],
    readonly clock: ManualClock,
  ) {}
  send(m: AlertMessage): Promise<SendOutcome> {
    const answer =
      this.answers.length === 0 ? 'sent' : (this.answers[this.#i++ % this.answers.length] as Answer);
    this.calls.push({ key: m.key, at: this.clock.now(), answer });
    switch (answer) {
      case 'sent':
        return Promise.resolve({ kind: 'sent' });
      case 'retry':
        return Promise.resolve({ kind: 'retry', error: 'HTTP 503' });
      case 'retry-after':
        return Promise.resolve({ kind: 'retry', error: 'HTTP 429', retryAfterMs: 5000 });
      case 'fail':
        return Promise.resolve({ kind: 'fail', error: 'HTTP 400' });
      default:
        return answer satisfies never;
    }
  }
}

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('alert' as const), key: fc.integer({ min: 0, max: 8 }) }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 90_000 }) }),
  fc.record({ op: fc.constant('flush' as const) }),
);
const answer: fc.Arbitrary<Answer> = fc.constantFrom('sent', 'sent', 'retry', 'retry-after', 'fail');

describe('Alerter (property)', () => {
  it('whatever the channel answers: never sends an incident twice, never exceeds the rate, never retries early, never loses one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 30 }),
        fc.array(answer, { maxLength: 12 }),
        async (steps, answers) => {
          const dir = mkdtempSync(join(tmpdir(), 'warden-alerts-prop-'));
          const store = SqliteStore.open(join(dir, 'w.db'));
          const clock = new ManualClock(T0);
          const channel = new ScriptedNotifier(answers, clock);
          const alerter = new Alerter({
            store,
            channels: [channel],
            ratePerMinute: RATE,
            maxAttempts: MAX_ATTEMPTS,
            clock,
            random: () => 0.5,
            log: () => {},
          });
          try {
            for (const s of steps) {
              if (s.op === 'alert')
                await (
                  await alerter.alert({ key: `k${s.key}`, severity: 'warning', title: 't', body: '' })
                ).delivered;
              else if (s.op === 'advance') clock.advance(s.ms);
              else await alerter.flush();
            }
            // Drain: time passes and the channel recovers; everything pending must end sent or failed.
            const recovered = channel.calls.length;
            (channel.answers as Answer[]).length = 0;
            for (let i = 0; i < 60 && (await store.alerts.list({ status: 'pending' })).length > 0; i++) {
              clock.advance(700_000);
              await alerter.flush();
            }
            const rows = await store.alerts.list({ limit: 1000 });
            assert.equal(rows.filter((r) => r.status === 'pending').length, 0, 'nothing stays pending');
            const sent = channel.calls.filter((c, i) => c.answer === 'sent' || i >= recovered);
            const sentKeys = sent.map((c) => c.key);
            assert.equal(new Set(sentKeys).size, sentKeys.length, 'no incident delivered twice');
            for (const c of sent) {
              const inWindow = sent.filter((o) => o.at >= c.at - 60_000 && o.at <= c.at).length;
              assert.ok(inWindow <= RATE, `${inWindow} sends in the minute up to ${c.at}`);
            }
            for (const r of rows) {
              assert.ok(r.attempts <= MAX_ATTEMPTS, `attempts ${r.attempts}`);
              const calls = channel.calls.filter((c) => c.key === r.dedupeKey);
              assert.equal(calls.length, r.attempts, 'every attempt is counted');
              if (r.status === 'failed') {
                const permanent = calls.some((c) => c.answer === 'fail');
                assert.ok(
                  permanent || r.attempts === MAX_ATTEMPTS,
                  'failed only when told so or out of attempts',
                );
              }
              for (let i = 1; i < calls.length; i++) {
                const prev = calls[i - 1]!;
                const min = prev.answer === 'retry-after' ? 5000 : prev.answer === 'retry' ? 500 : 0;
                assert.ok(
                  (calls[i]?.at ?? 0) - prev.at >= min,
                  `retried ${(calls[i]?.at ?? 0) - prev.at} ms after ${prev.answer}`,
                );
              }
            }
          } finally {
            await alerter.close();
            await store.close();
            rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
