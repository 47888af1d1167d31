import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../util/clock.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { ConsecutiveRule } from './consecutive-rule.js';

type Cmd =
  | { t: 'ok' }
  | { t: 'fail' }
  | { t: 'tick'; ms: number }
  | { t: 'peerOpen'; inMs: number }
  | { t: 'peerClose' }
  | { t: 'gate'; open: boolean }
  | { t: 'forceClosed' }
  | { t: 'disable' }
  | { t: 'reset' };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Cmd>({ t: 'ok' }) },
  { weight: 4, arbitrary: fc.constant<Cmd>({ t: 'fail' }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 2000 }).map((ms): Cmd => ({ t: 'tick', ms })) },
  {
    weight: 3,
    arbitrary: fc.integer({ min: -500, max: 3000 }).map((inMs): Cmd => ({ t: 'peerOpen', inMs })),
  },
  { weight: 2, arbitrary: fc.constant<Cmd>({ t: 'peerClose' }) },
  { weight: 2, arbitrary: fc.boolean().map((open): Cmd => ({ t: 'gate', open })) },
  { weight: 1, arbitrary: fc.constant<Cmd>({ t: 'forceClosed' }) },
  { weight: 1, arbitrary: fc.constant<Cmd>({ t: 'disable' }) },
  { weight: 1, arbitrary: fc.constant<Cmd>({ t: 'reset' }) },
);

describe('CircuitBreaker peer hooks (property)', () => {
  it('a peer never moves a forced or disabled breaker, a closed gate lets no call in while half-open, and calls while closed never ask the gate', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { maxLength: 60 }), async (cmds) => {
        const clock = new ManualClock(1_000_000);
        const b = new CircuitBreaker({ name: 'p', rule: new ConsecutiveRule(2), openMs: 1000, clock });
        let gateOpen = true;
        let askedWhileClosed = false;
        b.setProbeGate(() => {
          if (b.detail.state === 'closed') askedWhileClosed = true;
          return gateOpen;
        });
        for (const c of cmds) {
          const before = b.state;
          let ran = false;
          const call = (ok: boolean) => () => {
            ran = true;
            return ok ? Promise.resolve(1) : Promise.reject(new Error('x'));
          };
          switch (c.t) {
            case 'ok':
            case 'fail':
              await b.execute(call(c.t === 'ok')).catch(() => undefined);
              if (before === 'half-open' && !gateOpen)
                assert.equal(ran, false, 'a closed gate let a probe in');
              if (before === 'open' || before === 'forced-open') assert.equal(ran, false);
              break;
            case 'tick':
              clock.advance(c.ms);
              break;
            case 'peerOpen': {
              const opened = b.openFromPeer(clock.now() + c.inMs);
              if (before === 'forced-closed' || before === 'disabled' || before === 'forced-open')
                assert.equal(opened, false);
              if (c.inMs <= 0) assert.equal(opened, false, 'an open already over does nothing');
              if (opened) assert.equal(b.state, 'open');
              break;
            }
            case 'peerClose': {
              const closed = b.closeFromPeer();
              if (before === 'forced-closed' || before === 'disabled' || before === 'forced-open')
                assert.equal(closed, false);
              if (closed) assert.equal(b.state, 'closed');
              break;
            }
            case 'gate':
              gateOpen = c.open;
              break;
            case 'forceClosed':
              b.forceClosed();
              break;
            case 'disable':
              b.disable();
              break;
            case 'reset':
              b.reset();
              break;
            default:
              c satisfies never;
          }
        }
        assert.equal(askedWhileClosed, false, 'the gate is never asked on the closed path');
      }),
      { numRuns: 300 },
    );
  });
});
