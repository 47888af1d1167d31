export * from './schema.js';
export * from './strategy-section.js';
export * from './modes-sections.js';
export * from './config-error.js';
export * from './load-config.js';
export * from './commands-section.js';
