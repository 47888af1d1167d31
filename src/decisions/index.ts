export * from './decision-log.js';
export * from './decision-log-options.js';
export * from './decision-log-write-error.js';
export * from './decision-log-locked-error.js';
export * from './decision-log-lock-lost-error.js';
export * from './decision-log-corrupt-error.js';
export * from './decision-log-closed-error.js';
export * from './decision-log-backlog-error.js';
export * from './decision-record-error.js';
export { canonicalJson } from './canonical-json.js';
export {
  GENESIS_HASH,
  formatLine,
  type DecisionHead,
  type DecisionInput,
  type DecisionRecord,
} from './line-format.js';
export { segmentName, listSegments, type Segment } from './segment-files.js';
export type { TornTail } from './tail-recovery.js';
export * from './verify.js';
export * from './head-anchor.js';
