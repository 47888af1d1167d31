// The strategy state the README's TypeScript quick start runs against: NHL blocked, fresh.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes `strategy_state.json` in `dataDir` with strategy NHL blocked as of now. */
export function writeQuickstartState(dataDir: string): void {
  writeFileSync(
    join(dataDir, 'strategy_state.json'),
    JSON.stringify({
      as_of: new Date().toISOString(),
      as_of_unix: Math.floor(Date.now() / 1000),
      strategies: {
        NHL: {
          status: 'blocked',
          roi_30d: -0.07,
          n_30d: 42,
          tripped_at: null,
          reason: 'roi_below_threshold',
        },
      },
    }),
  );
}
