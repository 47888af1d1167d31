export * from './halt-state.js';
export * from './errors.js';
export * from './halted-error.js';
export * from './files.js';
export * from './flatten.js';
export * from './kill-switch.js';
export * from './reminder.js';
