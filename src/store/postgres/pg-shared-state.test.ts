import { after } from 'node:test';
import { sharedStateContract } from '../shared-state-contract.js';
import { PgStore } from './pg-store.js';
import { TestSchemas } from './pg-test-schemas.js';

const schemas = new TestSchemas();
after(() => schemas.dropAll());

sharedStateContract('postgres', () =>
  PgStore.open({ url: schemas.url, schema: schemas.next(), mode: 'create', poolSize: 4 }),
);
