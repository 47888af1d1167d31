// Moved to ./errors/bulkhead-full-error.js; this re-export keeps old imports working.
export * from './errors/bulkhead-full-error.js';
