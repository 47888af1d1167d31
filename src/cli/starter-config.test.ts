import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema, parseConfigWithWarnings } from '../config/index.js';
import { STARTER_CONFIG } from './starter-config.js';

describe('the starter config warden init writes', () => {
  it('shows every section of the config, on or as a commented-out example', () => {
    const shown = new Set(Object.keys(STARTER_CONFIG).map((k) => k.replace(/^\/\//, '')));
    const missing = Object.keys(configSchema.shape).filter((k) => !shown.has(k));
    assert.deepEqual(missing, [], 'add these sections to src/cli/starter-config.ts');
  });

  it('loads without a warning, and the values it shows are the defaults (but the heartbeat "bot")', () => {
    const { config, warnings } = parseConfigWithWarnings(STARTER_CONFIG, 'starter');
    assert.deepEqual(warnings, []);
    const defaults = parseConfigWithWarnings(
      { dataDir: 'data', heartbeats: [{ name: 'bot', periodSec: 60 }] },
      'defaults',
    );
    assert.deepEqual(config, defaults.config);
  });

  it('holds commented-out examples that load when turned on', () => {
    const on: Record<string, unknown> = Object.fromEntries(
      Object.entries(STARTER_CONFIG).map(([k, v]) => [
        k.startsWith('//') && typeof v === 'object' ? k.slice(2) : k,
        v,
      ]),
    );
    const gate = on['gate'] as Record<string, unknown>;
    on['gate'] = { ...gate, riskLimits: gate['//riskLimits'], rateLimit: gate['//rateLimit'] };
    const { config } = parseConfigWithWarnings(on, 'starter, examples on');
    assert.equal(config.lossLimit?.maxLoss, 500);
    assert.equal(config.exchange?.kind, 'ccxt');
    assert.equal(config.gate.riskLimits?.maxOpenOrders, 20);
  });
});
