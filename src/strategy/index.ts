export * from './types.js';
export * from './evaluate/evaluation-options.js';
export { parseIsoMs } from './trade-log/iso-time.js';
export { parseNumber } from './trade-log/number-parse.js';
export { TradeLineParser, LineResult, type IssueKind } from './trade-log/trade-line-parser.js';
export * from './trade-log/issue-report.js';
export * from './trade-log/trade-log-error.js';
export { readLines, type LineHandler, type ReadLinesResult } from './trade-log/line-reader.js';
export {
  WindowAggregate,
  DAY_MS,
  HOUR_MS,
  bucketSizeFor,
  type WindowBucket,
} from './evaluate/window-aggregate.js';
export {
  scanTradeLog,
  type ScanInput,
  type ScanResult,
  type SpanSink,
} from './trade-log/trade-log-scanner.js';
export * from './evaluate/decide.js';
export * from './state/state-file.js';
export * from './state/state-file-error.js';
export * from './shadow/shadow-ledger.js';
export { prefixChecksum, type CursorData, type CursorRejection } from './incremental/incremental-cursor.js';
export * from './evaluate/evaluate.js';
export * from './runtime/check-decision.js';
export * from './runtime/strategy-breaker.js';
export * from './state/manual-override.js';
export * from './tune/tune-history.js';
export * from './tune/walk-forward.js';
export * from './tune/tune-report.js';
export * from './tune/tune.js';
export * from './schedule/evaluation-schedule.js';
export * from './trade-log/synthetic-log.js';
export * from './from-config.js';
export * from './state/override-log.js';
export * from './state/state-lock.js';
export * from './state/state-lock-error.js';
export * from './state/state-key.js';
export { MAX_LINE_BYTES, type OversizedHandler } from './trade-log/line-reader.js';
export * from './state/store-override.js';
export * from './evaluate/evaluate-into-store.js';
export * from './runtime/configured-breaker.js';
