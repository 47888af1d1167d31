// Warden's library API, the package root (`import { … } from 'warden'`): what a bot author uses.
// Curated on purpose: every name here is supported and a rename is a breaking change. Specialised
// areas are subpath exports (`warden/<area>`, one file each in src/public/; `warden/testing` for
// fake time and the exchange simulator). The whole surface is listed in public-surface.txt and
// test/package-surface.test.ts compares it with what dist/ exports: regenerate it with
// `npm run surface` and review the diff. Add a module to the root with one line below.

// Configuration and the store
export { loadConfig, parseConfig, ConfigError } from './config/index.js';
export type { WardenConfig, LoadedConfig, LoadConfigOptions, HeartbeatExpectation } from './config/index.js';
export { SqliteStore, openStore, StoreError, StoreMissingError } from './store/index.js';
export type { Store, StoreOpenMode, SqliteStoreOptions } from './store/index.js';

// The kill switch, heartbeats, the strategy breaker, alerts
export { KillSwitch, HaltedError, ResumeRefusedError, ResumeConflictError } from './killswitch/index.js';
export type { HaltState, HaltSource, HaltDecision, OrderEffect } from './killswitch/index.js';
export { HeartbeatWriter } from './heartbeat/index.js';
export type { HeartbeatWriterOptions } from './heartbeat/index.js';
export { StrategyBreaker, ShadowLedger, checkOnce } from './strategy/index.js';
export type { StrategyBreakerOptions, StrategyStatus } from './strategy/index.js';
export { createAlerter } from './alerts/index.js';
export type { AlertInput, AlertSeverity, CreateAlerterOptions } from './alerts/index.js';
export type { AlertSink } from './util/alert-sink.js';

// Dependency resilience (the rest: warden/resilience)
export {
  CircuitBreaker,
  ConsecutiveRule,
  CountWindowRule,
  TimeWindowRule,
  AnyRule,
  BreakerRegistry,
  RetryPolicy,
  TimeoutPolicy,
  Bulkhead,
  wrap,
  constantBackoff,
  exponentialBackoff,
  fullJitterBackoff,
  decorrelatedJitterBackoff,
  classifyError,
  isDependencyFailure,
  CircuitOpenError,
  TimeoutError,
  BulkheadFullError,
  AmbiguousOutcomeError,
  CircuitBreakerError,
  getCircuitBreaker,
  protect,
} from './resilience/index.js';
export type { Policy, ExecuteContext, RetryOptions, FallbackHandler } from './resilience/index.js';

// Exchanges and orders (the error classes and parsers: warden/exchange; the rest: warden/orders)
export {
  CcxtExchange,
  ExchangeError,
  createExchangeFromConfig,
  DeadMansSwitch,
  refreshOnBeat,
} from './exchange/index.js';
export { watchExchangeBreaker } from './reactions/index.js';
export type { Exchange } from './exchange/index.js';
export {
  Executor,
  ReadinessLatch,
  DeadLetterQueue,
  createSqliteOrderStores,
  reconcile,
  IdempotencyMismatchError,
  InFlightError,
  InvalidIntentError,
} from './orders/index.js';
export type { OrderIntent, SubmitResult, ExecutorOptions, DlqEntry } from './orders/index.js';

// The pre-trade gate and the layers it composes (the rest: warden/gate, warden/modes, warden/market, warden/risk)
export {
  Gate,
  createGate,
  gateFromConfig,
  KillSwitchLayer,
  StrategyLayer,
  RiskLimitsLayer,
  BreakerLayer,
  RateLimitLayer,
} from './gate/index.js';
export type { GateIntent, GateLayer, LayerVerdict, GateDecision as GateCheckDecision } from './gate/index.js';
export { DegradationManager, degradationOptionsFromConfig } from './modes/index.js';
export { Freshness, freshnessOptionsFromConfig } from './market/index.js';
export { SessionLossLimit, lossLimitOptionsFromConfig } from './risk/index.js';

// Checkpoints and the decision log
export { CheckpointStore, AutoCheckpointer } from './checkpoint/index.js';
export type { CheckpointStoreOptions, AutoCheckpointerOptions, LoadResult } from './checkpoint/index.js';
export { DecisionLog, verifyDecisionLog } from './decisions/index.js';
export type { DecisionLogOptions, DecisionInput, DecisionRecord } from './decisions/index.js';

// Time
export { systemClock, type Clock } from './util/clock.js';

// The composed bot runtime: everything above from the config, in one call (README "Using Warden in a bot")
export { openWarden, Warden } from './runtime/index.js';
export type { OpenWardenOptions, WardenCheckpoint, AccountFigures } from './runtime/index.js';
