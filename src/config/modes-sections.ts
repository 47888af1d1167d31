import { z } from 'zod';

const ms = z.number().int().nonnegative();
const fraction = (what: string) =>
  z.number().refine(
    (x) => x > 0 && x < 1,
    (x) => ({
      message: `must be a fraction between 0 and 1 (got ${x}); did you mean ${x / 100} (${x} % ${what})?`,
    }),
  );

/** The `modes` section: the degradation manager's thresholds (seed 003 section 6 by default). */
export const modesSectionSchema = z
  .object({
    /** SHUTDOWN (flatten, halt, alert) below this balance. */
    minBalance: z.number().nonnegative().default(10),
    /** SHUTDOWN when equity falls this fraction below its peak. */
    maxDrawdown: fraction('of the peak').default(0.2),
    /** OBSERVATION when the price feed's last tick is older than this (ms). */
    feedMaxAgeMs: z.number().int().positive().default(60_000),
    /** OBSERVATION when |clock drift| exceeds this (ms). */
    maxClockDriftMs: ms.default(2000),
    /** OBSERVATION when balance or equity was last reported longer ago than this (ms; 0 = never stale). */
    accountMaxAgeMs: ms.default(300_000),
    /** REDUCE_ONLY once the exchange breaker has been out of closed this long (ms). */
    breakerGraceMs: ms.default(0),
    /** Recompute the mode this often (ms) so a feed that stops pushing goes stale. */
    intervalMs: z.number().int().positive().default(1000),
    /** openWarden reads the venue's server time at open and this often (ms) for the clock-drift signal; 0 = never. */
    clockSyncMs: ms.default(60_000),
  })
  .strict();

const freshnessRule = {
  /** A symbol is stale when its last good tick is older than this (ms). */
  maxAgeMs: z.number().int().positive(),
  /** A tick further than this fraction from the last good price is bad data (0 = no band). */
  jumpBand: z.number().nonnegative(),
  /** Accept a new level after this many agreeing jump rejections (0 = never). */
  jumpConfirmTicks: z.number().int().nonnegative(),
};

/** The `freshness` section: per-instrument staleness and bad-tick rules. */
export const freshnessSectionSchema = z
  .object({
    maxAgeMs: freshnessRule.maxAgeMs.default(60_000),
    jumpBand: freshnessRule.jumpBand.default(0.2),
    jumpConfirmTicks: freshnessRule.jumpConfirmTicks.default(0),
    /** Per-symbol overrides. */
    symbols: z
      .record(
        z
          .object({
            maxAgeMs: freshnessRule.maxAgeMs.optional(),
            jumpBand: freshnessRule.jumpBand.optional(),
            jumpConfirmTicks: freshnessRule.jumpConfirmTicks.optional(),
          })
          .strict(),
      )
      .default({}),
    /** Alert when this many ticks of one symbol are rejected within alertWindowMs. */
    alertAfter: z.number().int().positive().default(3),
    alertWindowMs: z.number().int().positive().default(60_000),
    /** At most one bad-data alert per symbol this often (ms). */
    alertEveryMs: z.number().int().positive().default(300_000),
  })
  .strict();

/** The `lossLimit` section (absent: no session loss limit): seed 000's intra-session kill switch. */
export const lossLimitSectionSchema = z
  .object({
    /** The most a session may lose, in the account currency. */
    maxLoss: z.number().positive().optional(),
    /** The most a session may lose, as a fraction of start-of-session equity. */
    maxLossPct: fraction('of equity').optional(),
    /** Warn at this share of the limit. */
    warnShare: z.number().gt(0).lte(1).default(0.8),
    /** When a session starts: a daily HH:MM or a cron pattern (croner syntax), in `timezone`. */
    dailyAt: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24 h)')
      .optional(),
    cron: z.string().min(1).optional(),
    timezone: z.string().default('UTC'),
  })
  .strict()
  .refine((s) => s.maxLoss !== undefined || s.maxLossPct !== undefined, {
    message: 'set maxLoss, maxLossPct or both',
  })
  .refine((s) => !(s.dailyAt !== undefined && s.cron !== undefined), {
    message: 'set dailyAt or cron, not both',
    path: ['cron'],
  });

export type ModesSection = z.infer<typeof modesSectionSchema>;
export type FreshnessSection = z.infer<typeof freshnessSectionSchema>;
export type LossLimitSection = z.infer<typeof lossLimitSectionSchema>;
