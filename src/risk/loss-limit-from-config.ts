import type { LossLimitSection } from '../config/modes-sections.js';
import type { SessionLossLimitOptions } from './loss-limit-options.js';

/** The `SessionLossLimit` options a config's `lossLimit` section implies (daily at 00:00 unless set). */
export function lossLimitOptionsFromConfig(
  section: LossLimitSection,
  deps: Omit<SessionLossLimitOptions, 'maxLoss' | 'maxLossPct' | 'warnShare' | 'boundary'>,
): SessionLossLimitOptions {
  return {
    ...deps,
    ...(section.maxLoss !== undefined ? { maxLoss: section.maxLoss } : {}),
    ...(section.maxLossPct !== undefined ? { maxLossPct: section.maxLossPct } : {}),
    warnShare: section.warnShare,
    boundary:
      section.cron !== undefined
        ? { cron: section.cron, timezone: section.timezone }
        : { dailyAt: section.dailyAt ?? '00:00', timezone: section.timezone },
  };
}
