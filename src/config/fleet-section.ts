import { z } from 'zod';

/** The `fleet` section: how processes share one PostgreSQL store (docs/fleet.md). Used only when `store.kind` is `postgres`. */
export const fleetSectionSchema = z
  .object({
    /** A process that has not confirmed the kill switch for this long treats it as engaged (ms). */
    leaseMs: z.number().int().min(100).max(600_000).default(5000),
    /** After a lost lease: `trip` records a trip once the store answers (resume by hand); `wait` trades again on the next good read. */
    leaseLost: z.enum(['trip', 'wait']).default('trip'),
    /** Every process re-reads the kill switch this often whatever NOTIFY says (ms). */
    pollMs: z.number().int().min(50).max(60_000).default(1000),
    /** LISTEN for changes (false: the poll alone). */
    notifications: z.boolean().default(true),
    /** A standby daemon tries for the leadership this often; the leader checks its lock session as often (ms). */
    leaderRetryMs: z.number().int().min(100).max(60_000).default(2000),
    /**
     * Share the exchange breaker's trips with every process on the same exchange account (opt-in;
     * docs/resilience.md, "Shared breakers"): a trip anywhere opens it everywhere, one process probes.
     */
    sharedBreakers: z
      .object({
        enabled: z.boolean().default(false),
        /** The exchange account the processes share (any label: the same string on every host). */
        account: z.string().min(1).max(200).nullable().default(null),
        /** A prober's claim lasts this long; a dead prober is replaced after it (ms). */
        probeLeaseMs: z.number().int().min(100).max(600_000).default(10_000),
      })
      .strict()
      .refine((b) => !b.enabled || b.account !== null, {
        message:
          'fleet.sharedBreakers.account is required when enabled (the exchange account the processes share)',
        path: ['account'],
      })
      .default({}),
  })
  .strict()
  .refine((f) => f.pollMs < f.leaseMs, {
    message: 'fleet.pollMs must be below fleet.leaseMs (else every poll interval risks the lease)',
    path: ['pollMs'],
  });

export type FleetSection = z.infer<typeof fleetSectionSchema>;
