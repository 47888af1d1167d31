// `warden/testing`: what a bot's own tests use to drive Warden without waiting or a venue: injected
// time (a manual clock, fake timers), the exchange simulator (in process and over HTTP, with seeded
// faults) and synthetic trade logs.
export { ManualClock } from '../util/clock.js';
export { FakeTimers } from '../resilience/fake-timers.js';
export {
  ExchangeSimulator,
  InProcessExchange,
  SimulatorHttpServer,
  FaultInjector,
  faultKinds,
  seededRandom,
} from '../exchange/simulator/index.js';
export type * from '../exchange/simulator/index.js';
export { writeSyntheticLog } from '../strategy/trade-log/synthetic-log.js';
