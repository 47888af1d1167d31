import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide, REASON_MANUAL_BLOCK, REASON_NO_TRADES, REASON_SHADOW_BELOW_MIN_N } from './decide.js';
import type { GroupEntry, GroupFigures } from '../types.js';

const NOW = '2026-05-05T03:49:00.000Z';
const options = { trip: -0.05, recover: 0, minN: 30 };

/** Figures with n trades and the given ROI (cost 100 per trade). */
function fig(n: number, roi: number): GroupFigures {
  return { n, pnl: roi * 100 * n, cost: 100 * n };
}

function run(
  prev: Record<string, GroupEntry>,
  real: Record<string, GroupFigures>,
  shadow: Record<string, GroupFigures> = {},
): ReturnType<typeof decide> {
  return decide({
    prev,
    real: new Map(Object.entries(real)),
    shadow: new Map(Object.entries(shadow)),
    options,
    nowIso: NOW,
  });
}

describe('decide: seed 000 rules', () => {
  it('puts a group below min-n in monitor with note below_min_n and no tripped_at', () => {
    const { entries } = run({}, { CS2: fig(18, -0.018) });
    assert.deepEqual(entries['CS2'], { status: 'monitor', roi_30d: -0.018, n_30d: 18, note: 'below_min_n' });
  });

  it('judges a group with exactly min-n trades (boundary)', () => {
    assert.equal(run({}, { A: fig(30, -0.06) }).entries['A']?.status, 'blocked');
    assert.equal(run({}, { A: fig(29, -0.06) }).entries['A']?.status, 'monitor');
  });

  it('keeps a healthy group active with reason ok', () => {
    const { entries } = run({}, { NBA: fig(87, 0.034) });
    assert.deepEqual(entries['NBA'], {
      status: 'active',
      roi_30d: 0.034,
      n_30d: 87,
      reason: 'ok',
      tripped_at: null,
    });
  });

  it('trips below the trip threshold with tripped_at = now', () => {
    const { entries, transitions } = run(
      { NHL: { status: 'active', roi_30d: 0, n_30d: 40, tripped_at: null } },
      { NHL: fig(42, -0.071) },
    );
    assert.deepEqual(entries['NHL'], {
      status: 'blocked',
      roi_30d: -0.071,
      n_30d: 42,
      reason: 'roi_below_threshold',
      tripped_at: NOW,
    });
    assert.equal(transitions[0]?.kind, 'trip');
  });

  it('does not trip exactly at the trip threshold (ROI < trip trips)', () => {
    const f = { n: 40, pnl: -5, cost: 100 }; // -0.05 exactly
    assert.equal(run({}, { A: f }).entries['A']?.status, 'active');
    assert.equal(run({}, { A: { n: 40, pnl: -5.000001, cost: 100 } }).entries['A']?.status, 'blocked');
  });

  it('trips a group that was in monitor', () => {
    const { entries } = run(
      { A: { status: 'monitor', roi_30d: 0, n_30d: 10, note: 'below_min_n' } },
      { A: fig(31, -0.2) },
    );
    assert.equal(entries['A']?.status, 'blocked');
    assert.equal(entries['A']?.tripped_at, NOW);
  });

  it('keeps the previous tripped_at on an active group, as the seed does', () => {
    const { entries } = run(
      { A: { status: 'active', roi_30d: 0.01, n_30d: 40, tripped_at: '2026-04-01T00:00:00.000Z' } },
      { A: fig(40, 0.02) },
    );
    assert.equal(entries['A']?.tripped_at, '2026-04-01T00:00:00.000Z');
  });

  it('reads a zero cost as the seed does: no ROI, not tripped unless the P&L is negative (-inf)', () => {
    assert.deepEqual(run({}, { A: { n: 40, pnl: 0, cost: 0 } }).entries['A'], {
      status: 'active',
      roi_30d: null,
      n_30d: 40,
      reason: 'ok',
      tripped_at: null,
    });
    assert.equal(run({}, { A: { n: 40, pnl: -1, cost: 0 } }).entries['A']?.status, 'blocked');
  });
});

describe('decide: Warden departures', () => {
  const blocked: GroupEntry = {
    status: 'blocked',
    roi_30d: -0.07,
    n_30d: 42,
    reason: 'roi_below_threshold',
    tripped_at: '2026-05-03T03:49:08.000Z',
  };

  it('stays blocked while it has fewer than min-n shadow trades, whatever its real trades say', () => {
    const { entries, transitions } = run({ NHL: blocked }, { NHL: fig(5, 0.5) }, { NHL: fig(29, 0.3) });
    assert.deepEqual(entries['NHL'], {
      status: 'blocked',
      roi_30d: 0.5,
      n_30d: 5,
      reason: REASON_SHADOW_BELOW_MIN_N,
      tripped_at: blocked.tripped_at,
      basis: 'shadow',
      shadow_roi_30d: 0.3,
      shadow_n_30d: 29,
    });
    assert.equal(transitions.length, 0);
  });

  it('stays blocked when its real trades aged out of the window (never silently re-enabled)', () => {
    const { entries } = run({ NHL: blocked }, {});
    assert.equal(entries['NHL']?.status, 'blocked');
    assert.equal(entries['NHL']?.reason, REASON_SHADOW_BELOW_MIN_N);
    assert.equal(entries['NHL']?.n_30d, 0);
  });

  it('recovers on shadow trades at exactly the recovery threshold (hysteresis)', () => {
    const { entries, transitions } = run({ NHL: blocked }, {}, { NHL: { n: 30, pnl: 0, cost: 100 } });
    assert.equal(entries['NHL']?.status, 'active');
    assert.equal(entries['NHL']?.reason, 'recovered');
    assert.equal(entries['NHL']?.tripped_at, blocked.tripped_at);
    assert.equal(transitions[0]?.kind, 'recover');
  });

  it('stays blocked between the thresholds (still_below_threshold)', () => {
    const { entries } = run({ NHL: blocked }, {}, { NHL: fig(30, -0.01) });
    assert.equal(entries['NHL']?.status, 'blocked');
    assert.equal(entries['NHL']?.reason, 'still_below_threshold');
  });

  it('keeps a group that vanished from the window as monitor with n = 0', () => {
    const { entries } = run({ MLB: { status: 'active', roi_30d: 0.01, n_30d: 134, tripped_at: null } }, {});
    assert.deepEqual(entries['MLB'], {
      status: 'monitor',
      roi_30d: null,
      n_30d: 0,
      note: 'below_min_n',
      reason: REASON_NO_TRADES,
    });
  });

  it('holds a manual block across evaluations', () => {
    const prev: GroupEntry = {
      status: 'blocked',
      roi_30d: 0.1,
      n_30d: 50,
      reason: REASON_MANUAL_BLOCK,
      tripped_at: '2026-05-01T00:00:00.000Z',
      override: { action: 'block', reason: 'feed broken', by: 'ops', at: '2026-05-01T00:00:00.000Z' },
    };
    const { entries } = run({ A: prev }, { A: fig(50, 0.2) }, { A: fig(50, 0.2) });
    assert.equal(entries['A']?.status, 'blocked');
    assert.equal(entries['A']?.reason, REASON_MANUAL_BLOCK);
    assert.deepEqual(entries['A']?.override, prev.override);
  });
});

describe("decide: recoveryBasis 'trades' (seed 000's rule)", () => {
  const seed = (
    prev: Record<string, GroupEntry>,
    real: Record<string, GroupFigures>,
  ): ReturnType<typeof decide> =>
    decide({
      prev,
      real: new Map(Object.entries(real)),
      shadow: new Map(),
      options: { ...options, recoveryBasis: 'trades' },
      nowIso: NOW,
    });
  const was: GroupEntry = {
    status: 'blocked',
    roi_30d: -0.1,
    n_30d: 40,
    reason: 'roi_below_threshold',
    tripped_at: 'T',
  };

  it('re-enables a blocked group whose real trades fell below min-n, as the seed does', () => {
    assert.deepEqual(seed({ A: was }, { A: fig(12, -0.2) }).entries['A'], {
      status: 'monitor',
      roi_30d: -0.2,
      n_30d: 12,
      note: 'below_min_n',
    });
  });

  it('recovers on real trades at the recovery threshold and keeps tripped_at, else still_below_threshold', () => {
    assert.deepEqual(seed({ A: was }, { A: fig(30, 0) }).entries['A'], {
      status: 'active',
      roi_30d: 0,
      n_30d: 30,
      reason: 'recovered',
      tripped_at: 'T',
    });
    assert.equal(seed({ A: was }, { A: fig(30, -0.01) }).entries['A']?.reason, 'still_below_threshold');
    assert.equal(seed({ A: was }, { A: fig(30, -0.01) }).entries['A']?.basis, undefined);
  });

  it('keeps a group with no trade in the window as monitor, and holds a manual block', () => {
    assert.equal(seed({ A: was }, {}).entries['A']?.reason, REASON_NO_TRADES);
    const manual: GroupEntry = { ...was, override: { action: 'block', reason: 'r', by: 'x', at: 'T' } };
    assert.equal(seed({ A: manual }, { A: fig(40, 0.2) }).entries['A']?.reason, REASON_MANUAL_BLOCK);
  });
});
