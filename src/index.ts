// Warden's library API: everything a bot in TypeScript uses in-process.
export * from './config/index.js';
export * from './store/index.js';
export * from './killswitch/index.js';
export * from './heartbeat/index.js';
export * from './alerts/index.js';
export * from './resilience/index.js';
export * from './exchange/index.js';
export * from './strategy/index.js';
export * from './daemon/index.js';
export * from './ops/index.js';
export * from './checkpoint/index.js';
export * from './orders/index.js';
export * from './decisions/index.js';
export { systemClock, ManualClock, type Clock } from './util/clock.js';
export { atomicWriteFileSync } from './util/atomic-write.js';
export type { AlertSink } from './util/alert-sink.js';
