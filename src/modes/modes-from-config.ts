import type { ModesSection } from '../config/modes-sections.js';
import type { DegradationOptions } from './degradation-options.js';

/** The `DegradationManager` options a config's `modes` section implies, with the live parts added. */
export function degradationOptionsFromConfig(
  section: ModesSection,
  deps: Omit<DegradationOptions, keyof ModesSection>,
): DegradationOptions {
  return { ...deps, ...section };
}
