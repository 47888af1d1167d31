import { z } from 'zod';

/**
 * `reactions.byClass`: what each failure class of the taxonomy does (seed 003's table). Network
 * and exchange-unavailable failures always go to the exchange breaker (`reactions.breakerOpenTooLongSec`).
 */
export const failureReactionsSchema = z
  .object({
    /** A NaN, zero or jumping price, a garbled answer: the signal is skipped and the instrument put in OBSERVATION until a good tick. */
    data: z
      .object({ observe: z.boolean().default(true) })
      .strict()
      .default({}),
    /** An order the venue will never accept (a 4xx): DLQ and alert; `haltAfter` of them within `windowSec` trips the kill switch (0: never). */
    logic: z
      .object({
        haltAfter: z.number().int().nonnegative().default(3),
        windowSec: z.number().positive().default(3600),
      })
      .strict()
      .default({}),
    /** Our state and the venue's differ (an order it does not know): new risk waits for a reconcile, which is re-run. */
    state: z
      .object({ reconcile: z.boolean().default(true) })
      .strict()
      .default({}),
    /** Disk full, out of memory, no file descriptors: REDUCE_ONLY for this long after the last one, and an alert. */
    resource: z
      .object({ reduceOnlySec: z.number().positive().default(300) })
      .strict()
      .default({}),
  })
  .strict();

/** A validated `reactions.byClass`. */
export type FailureReactionsSection = z.infer<typeof failureReactionsSchema>;
