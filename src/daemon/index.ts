export * from './token.js';
export * from './http-api.js';
export * from './daemon.js';
