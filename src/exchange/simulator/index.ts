export * from './simulator.js';
export * from './in-process-exchange.js';
export * from './fault-injector.js';
export * from './order-book.js';
export { seededRandom } from './seeded-random.js';
export * from './http-server.js';
export type { InitialPosition } from './ledger.js';
