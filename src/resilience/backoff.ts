// Moved to ./retry/backoff.js; this re-export keeps old imports working.
export * from './retry/backoff.js';
