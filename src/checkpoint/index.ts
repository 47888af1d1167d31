export * from './checkpoint-corrupt-error.js';
export * from './checkpoint-write-error.js';
export * from './checkpoint-state-error.js';
export * from './checkpoint-sequence-error.js';
export * from './checkpointer-closed-error.js';
export { CHECKPOINT_FORMAT_VERSION, decodeCheckpoint, type CheckpointHeader } from './format.js';
export * from './checkpoint-store.js';
export * from './auto-checkpointer.js';
