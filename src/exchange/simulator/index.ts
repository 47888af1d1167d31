export * from './simulator.js';
export { InProcessExchange, type InProcessExchangeOptions, type Sleep } from './in-process-exchange.js';
export * from './fault-injector.js';
export type { BookLevel, BookSnapshot } from './order-book.js';
export type { InitialPosition } from './ledger.js';
export { seededRandom } from '../../util/seeded-random.js';
export { SimulatorHttpServer, type SimulatorHttpServerOptions } from './http-server.js';
