export * from './bot-api.js';
export * from './command-parser.js';
export * from './allow-list.js';
export * from './telegram-commands.js';
export * from './telegram-poller.js';
export * from './telegram-metrics.js';
export * from './from-config.js';
export * from './start-telegram-commands.js';
