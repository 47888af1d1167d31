// Moved to ./taxonomy/failure-class.js; this re-export keeps old imports working.
export * from './taxonomy/failure-class.js';
