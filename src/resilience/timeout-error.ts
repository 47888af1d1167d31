// Moved to ./errors/timeout-error.js; this re-export keeps old imports working.
export * from './errors/timeout-error.js';
