// `warden dlq list | show | replay | resolve` as a real process against a store seeded by the library.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExchangeSimulator, InProcessExchange } from '../src/exchange/index.js';
import { Executor, createSqliteOrderStores, type DlqEntry } from '../src/orders/index.js';
import { constantBackoff } from '../src/resilience/index.js';
import { SqliteStore } from '../src/store/index.js';
import { warden, workspace } from './helpers/cli.js';

describe('warden dlq', () => {
  const ws = workspace();
  let deadId = 0;
  let otherId = 0;

  before(async () => {
    const store = SqliteStore.open(join(ws.dataDir, 'warden.db'));
    const stores = createSqliteOrderStores(store.database);
    const sim = new ExchangeSimulator({
      markets: [{ symbol: 'ETH/USDT', mid: 2000 }],
      balances: { USDT: 1e6 },
    });
    sim.faults.injectNext('http_5xx', { operation: 'createOrder', times: 6 });
    const ex = new Executor({
      exchange: new InProcessExchange(sim, { recvWindowMs: 50 }), // lookups believe "absent" after 1 s
      orders: stores.orders,
      dlq: stores.dlq,
      symbols: ['ETH/USDT'],
      gate: () => ({ allow: true, reason: 'running' }),
      lookupBackoff: constantBackoff(0),
      // referenced timers: nothing else keeps this hook's event loop alive during backoff
      timers: {
        setTimeout: (cb, ms) => setTimeout(cb, ms),
        clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      },
    });
    const dead = async (key: string): Promise<number> => {
      const r = await ex.submit({
        idempotencyKey: key,
        symbol: 'ETH/USDT',
        side: 'buy',
        type: 'limit',
        amount: 1,
        price: 1900,
      });
      assert.equal(r.status, 'dead');
      return r.status === 'dead' ? (r.dlqId ?? 0) : 0;
    };
    deadId = await dead('cli-1');
    otherId = await dead('cli-2');
    await stores.close();
    await store.close();
  });

  after(() => rmSync(ws.dir, { recursive: true, force: true }));

  it('lists and shows entries (text and JSON)', async () => {
    const list = await warden([...ws.args, 'dlq', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const entries = JSON.parse(list.stdout) as DlqEntry[];
    assert.deepEqual(entries.map((e) => e.idempotencyKey).sort(), ['cli-1', 'cli-2']);
    assert.equal(entries.find((e) => e.id === deadId)?.attempts, 3);
    const text = await warden([...ws.args, 'dlq', 'list']);
    assert.match(text.stdout, new RegExp(`#${deadId} open .* cli-1 buy 1 ETH/USDT @ 1900`));
    const show = await warden([...ws.args, 'dlq', 'show', String(deadId)]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /ExchangeNotAvailable/);
  });

  it('refuses a malformed or unknown id with one line and exit 1', async () => {
    for (const bad of ['abc', '0', '1.5']) {
      const r = await warden([...ws.args, 'dlq', 'show', bad]);
      assert.equal(r.code, 1, bad);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /DLQ id must be a positive integer/);
    }
    const missing = await warden([...ws.args, 'dlq', 'show', '424242']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no such entry/);
  });

  it('replay needs a venue (an exchange section, or --exchange sim), and then cannot double the order', async () => {
    const noEx = await warden([...ws.args, 'dlq', 'replay', String(deadId)]);
    assert.equal(noEx.code, 1);
    assert.match(noEx.stderr, /needs a venue: add an "exchange" section/);
    const r = await warden([...ws.args, 'dlq', 'replay', String(deadId), '--exchange', 'sim']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /replayed: placed/);
    const again = await warden([...ws.args, 'dlq', 'replay', String(deadId), '--exchange', 'sim']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is replayed: the order was placed/);
  });

  it('resolve needs a note and records it; a placed entry cannot be resolved over, a resolved one stays as it was', async () => {
    const noNote = await warden([...ws.args, 'dlq', 'resolve', String(otherId)]);
    assert.notEqual(noNote.code, 0);
    const r = await warden([...ws.args, 'dlq', 'resolve', String(otherId), '--note', 'checked by hand']);
    assert.equal(r.code, 0, r.stderr);
    const show = await warden([...ws.args, 'dlq', 'show', String(otherId), '--json']);
    const e = JSON.parse(show.stdout) as DlqEntry;
    assert.equal(e.status, 'resolved');
    assert.equal(e.note, 'checked by hand');
    const twice = await warden([...ws.args, 'dlq', 'resolve', String(otherId), '--note', 'overwrite']);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /already resolved \(checked by hand\)/);
    const replayed = await warden([...ws.args, 'dlq', 'resolve', String(deadId), '--note', 'by hand']);
    assert.equal(replayed.code, 1);
    assert.match(replayed.stderr, /is replayed/);
    const replayResolved = await warden([...ws.args, 'dlq', 'replay', String(otherId), '--exchange', 'sim']);
    assert.equal(replayResolved.code, 1, 'a resolved entry is never replayed');
  });
});
