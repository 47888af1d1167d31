export * from './token.js';
export * from './http-api.js';
export * from './daemon.js';
export * from './leadership.js';
export * from './data-dir-leader-lock.js';
