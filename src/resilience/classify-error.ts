// Moved to ./taxonomy/classify-error.js; this re-export keeps old imports working.
export * from './taxonomy/classify-error.js';
