// Moved to ./taxonomy/ccxt-errors.js; this re-export keeps old imports working.
export * from './taxonomy/ccxt-errors.js';
