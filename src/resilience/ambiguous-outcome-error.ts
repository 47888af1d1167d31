// Moved to ./errors/ambiguous-outcome-error.js; this re-export keeps old imports working.
export * from './errors/ambiguous-outcome-error.js';
