import type { GateSection } from '../config/gate-section.js';
import type { ShadowLedger } from '../strategy/shadow/shadow-ledger.js';
import type { Clock } from '../util/clock.js';
import { Gate } from './gate.js';
import type { DecisionSink, GateOptions } from './gate-types.js';
import type { GateLayer } from './layer.js';
import { RateLimitLayer } from './rate-limit-layer.js';
import { RiskLimitsLayer } from './risk-limits-layer.js';

/** The live parts a gate is built over; the config supplies the limits. */
export interface GateParts {
  readonly killSwitch?: GateLayer;
  readonly mode?: GateLayer;
  readonly freshness?: GateLayer;
  readonly strategy?: GateLayer;
  readonly lossLimit?: GateLayer;
  readonly breaker?: GateLayer;
  readonly decisions?: DecisionSink | (() => DecisionSink);
  readonly shadowLedger?: Pick<ShadowLedger, 'record'>;
  readonly by?: string;
  readonly clock?: Clock;
  readonly onError?: GateOptions['onError'];
}

/** A gate and the layers made from the config (push positions and prices into `riskLimits`). */
export interface GateFromConfig {
  readonly gate: Gate;
  readonly riskLimits: RiskLimitsLayer | null;
  readonly rateLimit: RateLimitLayer | null;
}

/** Builds the gate from the config's `gate` section (risk limits, rate limits, shadow) and the live parts. */
export function gateFromConfig(section: GateSection, parts: GateParts): GateFromConfig {
  const riskLimits = section.riskLimits === undefined ? null : new RiskLimitsLayer(section.riskLimits);
  const rateLimit = section.rateLimit === undefined ? null : new RateLimitLayer(section.rateLimit);
  const gate = new Gate({
    killSwitch: parts.killSwitch,
    mode: parts.mode,
    freshness: parts.freshness,
    strategy: parts.strategy,
    lossLimit: parts.lossLimit,
    riskLimits: riskLimits ?? undefined,
    breaker: parts.breaker,
    rateLimit: rateLimit ?? undefined,
    decisions: parts.decisions,
    by: parts.by,
    clock: parts.clock,
    onError: parts.onError,
    shadow:
      section.shadow && parts.shadowLedger !== undefined
        ? { ledger: parts.shadowLedger, priceToCents: section.priceToCents }
        : undefined,
  });
  return { gate, riskLimits, rateLimit };
}
