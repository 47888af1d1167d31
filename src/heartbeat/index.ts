export * from './heartbeat-file.js';
export * from './heartbeat.js';
export * from './expectation.js';
export * from './watchdog.js';
