import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/index.js';
import { CircuitBreaker, ConsecutiveRule } from '../resilience/index.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { shareBreakerFromConfig } from './shared-breaker-from-config.js';

const root = mkdtempSync(join(tmpdir(), 'warden-share-cfg-'));
after(() => rmSync(root, { recursive: true, force: true }));
const fail = (): Promise<never> => Promise.reject(new Error('down'));
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fleet.sharedBreakers from the config', () => {
  it('is off by default, and refuses enabled without an account, naming the field', () => {
    const config = parseConfig({});
    assert.equal(config.fleet.sharedBreakers.enabled, false);
    const store = SqliteStore.open(join(root, 'off', 'warden.db'));
    try {
      assert.equal(shareBreakerFromConfig(config, store, new CircuitBreaker()), null);
    } finally {
      void store.close();
    }
    assert.throws(
      () => parseConfig({ fleet: { sharedBreakers: { enabled: true } } }),
      /fleet\.sharedBreakers\.account/,
    );
  });

  it('on one host (SQLite, the poll alone): a trip in one breaker opens the other’s, and only one may probe', async () => {
    const path = join(root, 'on', 'warden.db');
    const config = parseConfig({
      fleet: { pollMs: 100, sharedBreakers: { enabled: true, account: 'main', probeLeaseMs: 2000 } },
    });
    const [s1, s2] = [SqliteStore.open(path), SqliteStore.open(path)];
    const make = () =>
      new CircuitBreaker({ name: 'exchange:sim', rule: new ConsecutiveRule(2), openMs: 1500 });
    const [b1, b2] = [make(), make()];
    const onError = (e: unknown) => assert.fail(String(e));
    const [x1, x2] = [
      shareBreakerFromConfig(config, s1, b1, { onError })!,
      shareBreakerFromConfig(config, s2, b2, { onError })!,
    ];
    try {
      await b1.execute(fail).catch(() => undefined);
      await b1.execute(fail).catch(() => undefined);
      assert.equal(b1.state, 'open');
      await wait(600);
      assert.equal(
        b2.state,
        'open',
        `opened by the other’s trip within the poll: ${JSON.stringify(await s2.sharedBreakers.get('main', 'exchange:sim'))} ${JSON.stringify(b2.detail)}`,
      );
      await assert.rejects(
        b2.execute(() => Promise.resolve(1)),
        { code: 'E_CIRCUIT_OPEN' },
      );
      await wait(1000); // both half-open now
      const tries = async (b: CircuitBreaker) => {
        let sent = 0;
        for (let i = 0; i < 10; i++) {
          // not awaited: an admitted probe hangs
          b.execute(() => {
            sent++;
            return new Promise(() => undefined);
          }).catch(() => undefined);
          await wait(30);
        }
        return sent;
      };
      const sent = await Promise.all([tries(b1), tries(b2)]);
      assert.equal(sent[0]! + sent[1]!, 1, `one probe between them, got ${sent.join(' + ')}`);
      assert.equal(x1.shared.probing !== x2.shared.probing, true, 'exactly one holds the claim');
    } finally {
      await x1.close();
      await x2.close();
      await s1.close();
      await s2.close();
    }
  });
});
