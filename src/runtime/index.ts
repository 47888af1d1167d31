export { openWarden } from './open-warden.js';
export { Warden, type WardenCheckpoint, type AccountFigures } from './warden.js';
export type { OpenWardenOptions } from './warden-options.js';
