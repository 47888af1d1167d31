// The tuner's grid, apart from the tuner so the CLI can show its defaults without loading it.

/** The grid: every combination is scored. */
export interface TuneGrid {
  readonly trip: readonly number[];
  readonly recover: readonly number[];
  readonly minN: readonly number[];
  readonly windowDays: readonly number[];
}

/** The default grid, 5 x 5 x 3 x 3 around seed 000's −5 % / 0 % / 30 / 30 days. */
export const DEFAULT_TUNE_GRID: TuneGrid = Object.freeze({
  trip: Object.freeze([-0.02, -0.035, -0.05, -0.075, -0.1]),
  recover: Object.freeze([-0.02, -0.01, 0, 0.01, 0.02]),
  minN: Object.freeze([20, 30, 50]),
  windowDays: Object.freeze([14, 30, 60]),
});
