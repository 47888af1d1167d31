// Moved to ./retry/retry.js; this re-export keeps old imports working.
export * from './retry/retry.js';
