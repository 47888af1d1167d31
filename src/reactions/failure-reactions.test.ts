import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureReactionsSchema } from '../config/reactions-section.js';
import { failureClass } from '../resilience/index.js';
import { ManualClock } from '../util/clock.js';
import { FailureReactions, classifyFailure, reactionClassOf } from './failure-reactions.js';

const enospc = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });

describe('failure reactions: the dispatch table', () => {
  it('maps each class of the taxonomy to its row of seed 003', () => {
    assert.equal(reactionClassOf(failureClass('network', 'retryable', 'x')), 'breaker');
    assert.equal(
      reactionClassOf(failureClass('exchange', 'retryable', 'http:503', undefined, 503)),
      'breaker',
    );
    assert.equal(reactionClassOf(failureClass('exchange', 'never', 'http:500', undefined, 500)), 'breaker');
    assert.equal(reactionClassOf(failureClass('exchange', 'never', 'ccxt:InvalidOrder')), 'logic');
    assert.equal(reactionClassOf(failureClass('logic', 'never', 'http:400', undefined, 400)), 'logic');
    assert.equal(reactionClassOf(failureClass('data', 'never', 'tick:nan')), 'data');
    assert.equal(reactionClassOf(failureClass('state', 'never', 'ccxt:OrderNotFound')), 'state');
    assert.equal(reactionClassOf(failureClass('resource', 'never', 'node:EMFILE')), 'resource');
    assert.equal(reactionClassOf(failureClass('unknown', 'never', 'default')), 'none');
  });

  it('classifies a wrapped failure by its cause (a write error around ENOSPC is a resource failure)', () => {
    const wrapped = new Error('could not write checkpoint', { cause: enospc });
    assert.equal(classifyFailure(wrapped).category, 'resource');
    assert.equal(
      classifyFailure(Object.assign(new Error('x'), { code: 'SQLITE_FULL' })).category,
      'resource',
    );
    assert.equal(classifyFailure(new Error('nothing known')).category, 'unknown');
  });

  it('halts only when haltAfter logic failures fall within the window', async () => {
    const clock = new ManualClock(1_000_000);
    const trips: string[] = [];
    const r = new FailureReactions(failureReactionsSchema.parse({ logic: { haltAfter: 2, windowSec: 60 } }), {
      clock,
      killSwitch: { trip: (req) => (trips.push(req.reason), Promise.resolve()) },
    });
    const bad = { source: 'bot', failure: failureClass('logic', 'never', 'http:400', undefined, 400) };
    assert.equal(r.handle(bad).taken, 'counted 1/2');
    clock.advance(61_000); // the first has left the window
    assert.equal(r.handle(bad).taken, 'counted 1/2');
    clock.advance(1_000);
    assert.equal(r.handle(bad).taken, 'halted');
    await Promise.resolve();
    assert.equal(trips.length, 1);
    assert.match(trips[0]!, /2 rejected requests within 60 s/);
  });

  it('records every reaction in the decision log and never throws for a part that fails', () => {
    const lines: unknown[] = [];
    const r = new FailureReactions(failureReactionsSchema.parse({}), {
      decisions: { append: (d) => lines.push(d) },
      modes: {
        resourceExhausted: () => {
          throw new Error('broken modes');
        },
        reconciliation: () => undefined,
      },
      onError: () => undefined,
    });
    const out = r.handle({ source: 'bot', error: enospc });
    assert.equal(out.reaction, 'resource');
    assert.equal(out.taken, 'failed');
    assert.equal((lines[0] as { kind: string }).kind, 'reaction');
  });
});
