// Moved to ./errors/circuit-open-error.js; this re-export keeps old imports working.
export * from './errors/circuit-open-error.js';
