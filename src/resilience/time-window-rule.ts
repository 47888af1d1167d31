// Moved to ./breaker/time-window-rule.js; this re-export keeps old imports working.
export * from './breaker/time-window-rule.js';
