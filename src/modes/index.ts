export * from './mode-types.js';
export {
  DEFAULT_THRESHOLDS,
  type DecisionSink,
  type DegradationOptions,
  type ModeThresholds,
} from './degradation-options.js';
export * from './kill-switch-port.js';
export * from './trip-latch.js';
export * from './assess-mode.js';
export { HealthSignals } from './health-signals.js';
export * from './mode-verdicts.js';
export * from './degradation-manager.js';
export * from './modes-from-config.js';
export * from './mode-recorder.js';
