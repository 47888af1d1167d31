import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertMessage, Notifier, SendOutcome } from '../alerts/types.js';
import { FallbackAlerts } from './fallback-alerts.js';

class Recorder implements Notifier {
  readonly type = 'webhook' as const;
  readonly problem = null;
  readonly got: AlertMessage[] = [];
  constructor(readonly name: string) {}
  send(m: AlertMessage): Promise<SendOutcome> {
    this.got.push(m);
    return Promise.resolve({ kind: 'sent' });
  }
}

describe('FallbackAlerts', () => {
  const input = { key: 'k1', severity: 'critical' as const, title: 'Trading halted', body: 'x' };

  it('goes through the outbox when it takes the alert, and sends nothing itself', async () => {
    const n = new Recorder('hook');
    const seen: string[] = [];
    const f = new FallbackAlerts({
      outbox: { alert: (a) => Promise.resolve(seen.push(a.key)) },
      notifiers: [n],
      shout: () => assert.fail('no shout'),
    });
    await f.alert(input);
    assert.deepEqual(seen, ['k1']);
    assert.equal(n.got.length, 0);
  });

  it('sends from memory, once per key, and shouts, when the outbox cannot record the alert', async () => {
    const n = new Recorder('hook');
    const lines: string[] = [];
    const f = new FallbackAlerts({
      outbox: { alert: () => Promise.reject(new Error('store x: the disk is full')) },
      notifiers: [n],
      shout: (l) => lines.push(l),
      now: () => 42,
    });
    const r = await f.alert(input);
    await f.alert(input);
    assert.deepEqual(r, { fromMemory: true, channels: [{ name: 'hook', outcome: 'sent' }] });
    assert.equal(n.got.length, 1);
    assert.equal(n.got[0]!.at, 42);
    assert.equal(lines.length, 1);
    assert.match(
      lines[0]!,
      /ALERT SENT FROM MEMORY \(the outbox cannot record it: store x: the disk is full\).*Trading halted.*hook: sent/,
    );
  });
});
