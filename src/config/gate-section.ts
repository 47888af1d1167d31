import { z } from 'zod';

const rateLimit = z
  .object({
    /** At most this many orders ... */
    limit: z.number().int().min(1).max(1_000_000),
    /** ... in any window of this many ms. */
    windowMs: z.number().positive(),
  })
  .strict();

/** The `gate` section: pre-trade risk limits and order rate limits (docs/gate.md). A limit left out is not checked. */
export const gateSectionSchema = z
  .object({
    riskLimits: z
      .object({
        /** Largest notional of one order (amount × price, quote units). */
        maxOrderNotional: z.number().nonnegative().optional(),
        /** Largest absolute position per instrument after an order (base units). */
        maxPosition: z.number().nonnegative().optional(),
        /** Per-symbol position limits replacing `maxPosition`. */
        maxPositionBySymbol: z.record(z.string(), z.number().nonnegative()).optional(),
        /** Most open orders at once, all instruments together. */
        maxOpenOrders: z.number().int().nonnegative().optional(),
      })
      .strict()
      .optional(),
    rateLimit: z
      .object({
        overall: rateLimit.optional(),
        perStrategy: rateLimit.optional(),
        strategies: z.record(z.string(), rateLimit).optional(),
        maxStrategies: z.number().int().min(1).default(1000),
      })
      .strict()
      .optional(),
    /** Write denied intents with a strategy key to the shadow ledger. */
    shadow: z.boolean().default(true),
    /** Multiplies a price into the shadow ledger's cents. */
    priceToCents: z.number().positive().default(100),
  })
  .strict();

/** A validated `gate` section. */
export type GateSection = z.infer<typeof gateSectionSchema>;
