import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../util/clock.js';
import { BreakerRegistry } from './breaker-registry.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { CircuitBreakerError } from '../errors/circuit-breaker-error.js';
import { CircuitOpenError } from '../errors/circuit-open-error.js';
import { ConsecutiveRule } from './consecutive-rule.js';
import { defaultBreakerRegistry, getCircuitBreaker } from './default-registry.js';

const fail = (): Promise<never> => Promise.reject(new Error('down'));

function predicates(b: CircuitBreaker): string {
  return `${b.isClosed ? 'C' : '-'}${b.isOpen ? 'O' : '-'}${b.isHalfOpen ? 'H' : '-'}`;
}

describe('breaker predicates (seed 002)', () => {
  it('exactly one of isClosed / isOpen / isHalfOpen holds in every state, and follows the clock', async () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker({ name: 'p', rule: new ConsecutiveRule(1), openMs: 1_000, clock });
    assert.equal(predicates(b), 'C--');
    await assert.rejects(b.execute(fail));
    assert.equal(predicates(b), '-O-');
    clock.advance(1_000);
    assert.equal(predicates(b), '--H', 'the open period ended: read lazily');
    const hold = b.forceOpen();
    assert.equal(predicates(b), '-O-');
    hold.release();
    assert.equal(predicates(b), '--H');
    b.forceClosed();
    assert.equal(predicates(b), 'C--');
    b.disable();
    assert.equal(predicates(b), 'C--');
    b.reset();
    assert.equal(predicates(b), 'C--');
  });

  it('CircuitOpenError is a CircuitBreakerError with its stable code and name', async () => {
    const b = new CircuitBreaker({ name: 'base', rule: new ConsecutiveRule(1) });
    await assert.rejects(b.execute(fail));
    const err = await b.execute(fail).catch((e: unknown) => e);
    assert.ok(err instanceof CircuitBreakerError);
    assert.ok(err instanceof CircuitOpenError);
    assert.ok(err instanceof Error);
    assert.equal(err.code, 'E_CIRCUIT_OPEN');
    assert.equal(err.name, 'CircuitOpenError');
    assert.equal(err.breaker, 'base');
    const own = await new CircuitBreaker({ name: 'x' }).execute(fail).catch((e: unknown) => e);
    assert.equal(own instanceof CircuitBreakerError, false, "the call's own error is not wrapped");
  });
});

describe('the process-wide registry', () => {
  it('gives the same breaker for a name, made once, apart from explicit registries', async () => {
    const name = `conv-${process.pid}-${Math.floor(performance.now())}`;
    const a = getCircuitBreaker(name, { rule: new ConsecutiveRule(1) });
    const b = getCircuitBreaker(name, { rule: new ConsecutiveRule(99) });
    assert.equal(a, b, 'options are used only when the breaker is new');
    assert.equal(defaultBreakerRegistry(), defaultBreakerRegistry());
    assert.equal(defaultBreakerRegistry().find(name), a);
    const mine = new BreakerRegistry();
    assert.equal(mine.find(name), undefined);
    assert.notEqual(mine.get(name), a);
    await assert.rejects(a.execute(fail));
    assert.ok(defaultBreakerRegistry().openCircuits().includes(name));
    assert.deepEqual(mine.openCircuits(), []);
  });
});
