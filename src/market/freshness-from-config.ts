import type { FreshnessSection } from '../config/modes-sections.js';
import type { FreshnessOptions } from './freshness-options.js';

/** The `Freshness` options a config's `freshness` section implies, with the live parts added. */
export function freshnessOptionsFromConfig(
  section: FreshnessSection,
  deps: Pick<FreshnessOptions, 'alerts' | 'clock'> = {},
): FreshnessOptions {
  return { ...deps, ...section };
}
