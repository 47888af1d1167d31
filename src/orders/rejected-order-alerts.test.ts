import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CollectingAlerts } from '../util/test-collector.js';
import { RejectedOrderAlerts } from './rejected-order-alerts.js';

describe('RejectedOrderAlerts', () => {
  const r = (symbol: string, errorName: string, at: number) => ({
    symbol,
    errorName,
    message: 'no',
    idempotencyKey: `k${at}`,
    at,
  });

  it('one alert per symbol + error per window; the suppressed count goes with the next one', async () => {
    const alerts = new CollectingAlerts();
    const g = new RejectedOrderAlerts({ alerts, windowMs: 1000 });
    for (let t = 0; t < 5; t++) await g.note(r('BTC/USDT', 'InsufficientFunds', t));
    await g.note(r('ETH/USDT', 'InsufficientFunds', 10));
    await g.note(r('BTC/USDT', 'InvalidOrder', 11));
    assert.deepEqual(alerts.titles(), [
      'Order rejected: BTC/USDT InsufficientFunds',
      'Order rejected: ETH/USDT InsufficientFunds',
      'Order rejected: BTC/USDT InvalidOrder',
    ]);
    await g.note(r('BTC/USDT', 'InsufficientFunds', 1500));
    assert.equal(alerts.alerts.length, 4);
    assert.match(
      alerts.alerts[3]!.body,
      /4 more BTC\/USDT InsufficientFunds rejection\(s\) in the previous window/,
    );
  });
});
