import { z } from 'zod';
import { strategySectionSchema } from './strategy-section.js';

const durationSec = z.number().positive();

/** How the watchdog expects one heartbeat (healthchecks.io's model: period + grace, or cron + grace). */
export const heartbeatExpectationSchema = z
  .object({
    /** The name the bot reports under (`warden heartbeat NAME`). */
    name: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    /** Expected seconds between beats. Give this or `cron`. */
    periodSec: durationSec.optional(),
    /** Expected schedule of the job (croner syntax), e.g. a nightly job. */
    cron: z.string().optional(),
    /** Time zone of `cron`. */
    tz: z.string().default('UTC'),
    /** Extra seconds allowed past the expected time before the beat counts as late. */
    graceSec: z.number().nonnegative().default(60),
    /** Trip the kill switch when this heartbeat goes late, fails or reports status ≠ ok. */
    tripOnFailure: z.boolean().default(true),
    /** Also flatten when tripping. */
    flatten: z.boolean().default(false),
    /**
     * Watch a heartbeat file that another program writes in seed 001's format ({at, iso, status})
     * instead of the store (relative to the data dir). A corrupt file counts as a failure.
     */
    file: z.string().min(1).optional(),
  })
  .strict()
  .refine((h) => (h.periodSec === undefined) !== (h.cron === undefined), {
    message: 'give exactly one of periodSec or cron',
  });

const telegram = z
  .object({
    type: z.literal('telegram'),
    name: z.string().optional(),
    /** Environment variable holding the bot token (never put the token itself in the file). */
    botTokenEnv: z.string().default('WARDEN_TELEGRAM_TOKEN'),
    chatId: z.union([z.string(), z.number()]),
    /** Base URL of the Bot API (tests point it at a local server). */
    apiBase: z.string().url().default('https://api.telegram.org'),
  })
  .strict();
const hook = (type: 'slack' | 'discord' | 'webhook') =>
  z
    .object({
      type: z.literal(type),
      name: z.string().optional(),
      /** Environment variable holding the webhook URL (it is a secret). */
      urlEnv: z.string().optional(),
      /** The URL itself, for URLs that are not secret (a local relay). */
      url: z.string().url().optional(),
    })
    .strict()
    .refine((c) => c.url !== undefined || c.urlEnv !== undefined, { message: 'give url or urlEnv' });
const stderr = z.object({ type: z.literal('stderr'), name: z.string().optional() }).strict();

/** One alert channel. */
export const alertChannelSchema = z.union([
  telegram,
  hook('slack'),
  hook('discord'),
  hook('webhook'),
  stderr,
]);

/** The whole `warden.config.json`. Every section has defaults, so `{}` is a valid config. */
export const configSchema = z
  .object({
    /** Where the store, STOP file, circuit.json and heartbeat.json live. */
    dataDir: z.string().optional(),
    store: z
      .discriminatedUnion('kind', [
        z
          .object({
            kind: z.literal('sqlite'),
            path: z.string().default('warden.db'),
            /** How long to wait for a lock held by another process before failing (ms). */
            busyTimeoutMs: z.number().int().nonnegative().default(5000),
          })
          .strict(),
        z.object({ kind: z.literal('postgres'), url: z.string().min(1) }).strict(),
      ])
      .default({ kind: 'sqlite', path: 'warden.db', busyTimeoutMs: 5000 }),
    killSwitch: z
      .object({
        /** Command run by `trip --flatten` (argv array): cancels open orders and closes positions. */
        flattenCommand: z.array(z.string()).min(1).optional(),
        /** Seconds the flatten command may run before it is killed. */
        flattenTimeoutSec: durationSec.default(60),
        /** When a reminder goes out while halted (croner syntax). */
        reminderCron: z.string().default('0 9 * * *'),
        reminderTz: z.string().default('UTC'),
        /** How often the in-process halt cache re-reads the store (the STOP file is watched too). */
        pollMs: z.number().int().positive().default(1000),
      })
      .strict()
      .default({}),
    heartbeats: z.array(heartbeatExpectationSchema).default([]),
    watchdog: z
      .object({
        /** Seconds between checks in `warden watch` (loop mode). */
        intervalSec: durationSec.default(15),
        /** Alert when the local clock and the store's clock differ by more than this. */
        maxClockDriftMs: z.number().int().positive().default(2000),
      })
      .strict()
      .default({}),
    alerts: z
      .object({
        channels: z.array(alertChannelSchema).default([{ type: 'stderr' }]),
        /** At most this many alerts per channel per minute; the rest wait in the outbox. */
        ratePerMinute: z.number().int().positive().default(20),
        /** Give up on an alert after this many failed sends (it stays in the outbox as failed). */
        maxAttempts: z.number().int().positive().default(10),
      })
      .strict()
      .default({}),
    strategy: strategySectionSchema.default({}),
    daemon: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8787),
        /** Environment variable holding the API token for mutating endpoints. */
        tokenEnv: z.string().default('WARDEN_TOKEN'),
      })
      .strict()
      .default({}),
    /** The decision log (docs/decisions.md). */
    decisions: z
      .object({
        /** Its directory, relative to the data dir. */
        dir: z.string().min(1).default('decisions'),
        /** Group commit: buffered decisions are written and fsync'd together within this many ms. */
        flushIntervalMs: z.number().positive().max(60_000).default(10),
        /** Start a new segment file before one grows past this many bytes (0 = never). */
        rotateBytes: z
          .number()
          .int()
          .nonnegative()
          .default(64 * 1024 * 1024),
        /** Start a new segment file at each UTC day. */
        rotateDaily: z.boolean().default(true),
      })
      .strict()
      .default({}),
  })
  .strict();

/** A validated config, every default filled in. */
export type WardenConfig = z.infer<typeof configSchema>;
export type HeartbeatExpectation = z.infer<typeof heartbeatExpectationSchema>;
export type AlertChannelConfig = z.infer<typeof alertChannelSchema>;
