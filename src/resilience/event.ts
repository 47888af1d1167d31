// Moved to src/util/event.ts (a base other folders import); this re-export keeps old imports working.
export * from '../util/event.js';
