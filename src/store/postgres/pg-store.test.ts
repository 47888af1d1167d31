import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { orderStoreContract } from '../../orders/order-store-contract.js';
import { storeContract } from '../store-contract.js';
import { StoreMissingError } from '../store-missing-error.js';
import { PgStore } from './pg-store.js';
import { TestSchemas } from './pg-test-schemas.js';

const schemas = new TestSchemas();
after(() => schemas.dropAll());

const fresh = () => PgStore.open({ url: schemas.url, schema: schemas.next(), mode: 'create', poolSize: 4 });

storeContract('postgres', fresh, (s) =>
  PgStore.open({ url: schemas.url, schema: (s as PgStore).connection.schema, poolSize: 4 }),
);
orderStoreContract('postgres', async () => {
  const store = await fresh();
  return { orders: store.orders, dlq: store.dlq, close: () => store.close() };
});

describe('PgStore', () => {
  it('never creates in existing mode: a missing schema is a StoreMissingError naming `warden migrate`', async () => {
    const schema = schemas.next();
    await assert.rejects(
      PgStore.open({ url: schemas.url, schema }),
      (err: unknown) =>
        err instanceof StoreMissingError &&
        /warden migrate/.test(err.message) &&
        err.message.includes(schema),
    );
    const made = await PgStore.open({ url: schemas.url, schema, mode: 'create' });
    await made.close();
    const again = await PgStore.open({ url: schemas.url, schema });
    assert.equal(await again.killSwitch.latest(), null);
    await again.close();
  });

  it('keeps the password out of its location and its errors', async () => {
    const url = 'postgres://warden:s3cret-pw@127.0.0.1:1/test';
    await assert.rejects(
      PgStore.open({ url, schema: schemas.next(), timeoutMs: 2000 }),
      (err: unknown) =>
        err instanceof Error && !err.message.includes('s3cret-pw') && /127\.0\.0\.1:1/.test(err.message),
    );
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await assert.rejects(
      PgStore.open({ url: schemas.url, schema: 'x; DROP TABLE y' }),
      (err: unknown) => err instanceof RangeError && /store\.schema/.test(err.message),
    );
  });

  it('announces a kill-switch change on <schema>_changes, in the transaction of the change', async () => {
    const schema = schemas.next();
    const store = await PgStore.open({ url: schemas.url, schema, mode: 'create' });
    const listener = await store.connection.pool.connect();
    try {
      const heard: string[] = [];
      listener.on('notification', (n) => {
        if (n.channel === `${schema}_changes`) heard.push(n.payload ?? '');
      });
      await listener.query(`LISTEN ${schema}_changes`);
      const e = await store.killSwitch.append({
        action: 'trip',
        at: 1,
        reason: 'r',
        by: 'b',
        source: 's',
        host: 'h',
        pid: 1,
        flatten: false,
      });
      const refused = await store.killSwitch.appendIfLatest(null, {
        action: 'resume',
        at: 2,
        reason: 'r',
        by: 'b',
        source: 's',
        host: 'h',
        pid: 1,
        flatten: false,
      });
      assert.equal(refused.ok, false);
      for (let i = 0; i < 100 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(
        heard.map((p) => JSON.parse(p) as unknown),
        [{ area: 'killswitch', id: e.id, s: schema, action: 'trip', at: 1, by: 'b', reason: 'r' }],
        'one notification for the append, none for the refused compare-and-set',
      );
    } finally {
      listener.release();
      await store.close();
    }
  });
});
