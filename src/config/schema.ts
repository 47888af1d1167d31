import { z } from 'zod';
import { gateSectionSchema } from './gate-section.js';
import { strategySectionSchema } from './strategy-section.js';
import { freshnessSectionSchema, lossLimitSectionSchema, modesSectionSchema } from './modes-sections.js';
import { commandsSectionSchema } from './commands-section.js';
import { failureReactionsSchema } from './reactions-section.js';
import { fleetSectionSchema } from './fleet-section.js';
import { SCHEMA_NAME, SCHEMA_NAME_RULE } from '../store/postgres/schema-name.js';

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
    /** Time zone of `cron` (IANA name; `tz` is its old, deprecated name). */
    timezone: z.string().default('UTC'),
    /** Extra seconds allowed past the expected time before the beat counts as late. */
    graceSec: z.number().nonnegative().default(60),
    /** Trip the kill switch when this heartbeat goes late, fails or reports status ≠ ok. */
    tripOnFailure: z.boolean().default(true),
    /** Also flatten when tripping. */
    flatten: z.boolean().default(false),
    /**
     * Watch a heartbeat file that another program writes in seed 001's format ({at, iso, status})
     * instead of the store (relative to the data dir). A corrupt file, or one holding a beat Warden
     * wrote, counts as a failure; Warden never writes a file a heartbeat is watched through.
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

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');
const recvWindowMs = z.number().int().min(1).max(60_000).optional();

/**
 * The venue Warden reaches (docs/exchange.md, "The exchange section"): a ccxt exchange id with
 * credentials named by environment variables (never the secrets themselves), or the simulator's
 * HTTP server. Absent: Warden reaches no venue (flatten is `killSwitch.flattenCommand` only).
 */
export const exchangeSectionSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('ccxt'),
      /** The ccxt exchange id, e.g. `binance`, `okx`, `kraken`. */
      id: z.string().regex(/^[a-z][a-z0-9]*$/, 'a ccxt exchange id (lowercase letters and digits)'),
      /** Environment variable holding the API key. */
      apiKeyEnv: envName.optional(),
      /** Environment variable holding the API secret. */
      secretEnv: envName.optional(),
      /** Environment variable holding the API passphrase (okx, kucoin). */
      passwordEnv: envName.optional(),
      /** Use the venue's testnet (ccxt's `setSandboxMode(true)`). */
      sandbox: z.boolean().default(false),
      /** The receive window Warden relies on (ms); see docs/orders.md. Default 5000. */
      recvWindowMs,
      /** `venue` asks the venue for positions (derivatives); `none` for a spot account. */
      positions: z.enum(['venue', 'none']).default('venue'),
      /** ccxt's request timeout (ms). */
      timeoutMs: z.number().int().positive().max(120_000).default(10_000),
      /** Replaces the origin of every ccxt `urls.api` entry (paths kept): a gateway, a proxy, or the simulator's HTTP server. */
      apiUrl: z.string().url().optional(),
      /** Passed to the ccxt client as its `options` (e.g. `{"defaultType": "spot"}`). */
      ccxtOptions: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('sim-http'),
      /** Base URL of a running `SimulatorHttpServer` (Binance's spot routes), e.g. http://127.0.0.1:9000. */
      url: z.string().url(),
      recvWindowMs,
      timeoutMs: z.number().int().positive().max(120_000).default(2_000),
    })
    .strict(),
]);

/** How long an exchange breaker may stay open before the reaction (docs/exchange.md). */
const reactionsSchema = z
  .object({
    /** An exchange breaker open longer than this moves to REDUCE_ONLY (and trips when `tripOnOpenTooLong`). */
    breakerOpenTooLongSec: durationSec.default(300),
    /** Also trip the kill switch when the exchange breaker stays open too long. */
    tripOnOpenTooLong: z.boolean().default(false),
    /** The exchange-side dead man's switch timeout (ms), re-armed on every heartbeat; 0 = not used. */
    deadMansSwitchMs: z.number().int().nonnegative().max(600_000).default(0),
    /** What each failure class does (seed 003's table; docs/exchange.md, "Failure-class reactions"). */
    byClass: failureReactionsSchema.default({}),
  })
  .strict();

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
        z
          .object({
            kind: z.literal('postgres'),
            /** Connection URL (`postgres://user:password@host:5432/db`); or name an env var with `urlEnv`. */
            url: z.string().min(1).optional(),
            /** The env var holding the connection URL (keeps the password out of the config file). */
            urlEnv: z.string().min(1).optional(),
            /** The schema every table lives in: installations sharing a server each use their own. */
            schema: z.string().regex(SCHEMA_NAME, SCHEMA_NAME_RULE).default('warden'),
            /** Connections in each process's pool. */
            poolSize: z.number().int().min(1).max(1000).default(4),
          })
          .strict(),
      ])
      .superRefine((s, ctx) => {
        if (s.kind === 'postgres' && (s.url === undefined) === (s.urlEnv === undefined))
          ctx.addIssue({ code: 'custom', path: ['url'], message: 'give exactly one of url and urlEnv' });
      })
      .default({ kind: 'sqlite', path: 'warden.db', busyTimeoutMs: 5000 }),
    killSwitch: z
      .object({
        /** Command run by `trip --flatten` (argv array): cancels open orders and closes positions. */
        flattenCommand: z.array(z.string()).min(1).optional(),
        /** Seconds the flatten command may run before it is killed. */
        flattenTimeoutSec: durationSec.default(60),
        /** When a reminder goes out while halted (croner syntax). */
        reminderCron: z.string().default('0 9 * * *'),
        /** Time zone of `reminderCron` (IANA name; `reminderTz` is its old, deprecated name). */
        reminderTimezone: z.string().default('UTC'),
        /** How often the in-process halt cache re-reads the store (the STOP file is watched too). */
        pollMs: z.number().int().positive().default(1000),
        /** Bytes kept free in the data dir (a file of zeros), released to record a trip on a full disk; 0 = none. */
        reserveBytes: z.number().int().nonnegative().default(262144),
      })
      .strict()
      .default({}),
    heartbeats: z.array(heartbeatExpectationSchema).default([]),
    watchdog: z
      .object({
        /** Seconds between checks in `warden watch` (loop mode). */
        intervalSec: durationSec.default(15),
        /** Alert when this host's clock and a reference clock (ntpServer, the venue, PostgreSQL) differ by more than this. */
        maxClockDriftMs: z.number().int().positive().default(2000),
        /** An SNTP server to compare this host's clock with, `host` or `host:port` (`[v6]:port`); port 123 by default. */
        ntpServer: z
          .string()
          .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:\d{1,5})?$/, 'expected host or host:port')
          .optional(),
        /** How long a reference clock may take to answer before it counts as unreachable. */
        referenceTimeoutMs: z.number().int().positive().default(2000),
        /** A beat stamped further ahead of the watchdog's clock than this is `clock_skew`. */
        clockSkewToleranceMs: z.number().int().nonnegative().default(5000),
        /**
         * The heartbeat that is the bot's own: only its beats write the seed's heartbeat.json
         * (others write heartbeat-NAME.json only); null: no beat writes heartbeat.json.
         */
        botHeartbeat: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'letters, digits, _ . - only')
          .nullable()
          .default('bot'),
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
    /** Degradation modes (docs/modes.md). */
    modes: modesSectionSchema.default({}),
    /** Data freshness and sanity per instrument (docs/modes.md). */
    freshness: freshnessSectionSchema.default({}),
    /** The session loss limit (docs/modes.md); absent: none. */
    lossLimit: lossLimitSectionSchema.optional(),
    /** The pre-trade gate's risk and rate limits (docs/gate.md). */
    gate: gateSectionSchema.default({}),
    daemon: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8787),
        /** Environment variable holding the API token for mutating endpoints. */
        tokenEnv: z.string().default('WARDEN_TOKEN'),
        /** A file holding the API token, used when the env var is unset (relative to the data dir; must be mode 600). */
        tokenFile: z.string().min(1).optional(),
        /** Open the decision log (and its writer lock) for POST /v1/decisions; false leaves it to a bot process. */
        decisionLog: z.boolean().default(true),
        /** Most HTTP connections open at once; at the cap the oldest idle one is evicted. */
        maxConnections: z.number().int().min(1).max(100_000).default(256),
        /** A client must send its request headers within this many ms of connecting (else 408). */
        headersTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
        /** ... and its whole request within this many ms (at least headersTimeoutMs). */
        requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
        /** An idle keep-alive connection is closed after this many ms. */
        keepAliveTimeoutMs: z.number().int().min(100).max(600_000).default(5_000),
      })
      .strict()
      .refine((d) => d.requestTimeoutMs >= d.headersTimeoutMs, {
        message: 'requestTimeoutMs must be >= headersTimeoutMs',
        path: ['requestTimeoutMs'],
      })
      .default({}),
    /** The venue (docs/exchange.md); absent: none. */
    exchange: exchangeSectionSchema.optional(),
    /** Automatic reactions to venue trouble (docs/exchange.md, "Reactions"). */
    reactions: reactionsSchema.default({}),
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
    /** Commands from elsewhere: Telegram (docs/phone.md); absent parts are off. */
    commands: commandsSectionSchema.default({}),
    /** Fleet mode on PostgreSQL: the lease, the poll, the leader election (docs/fleet.md). */
    fleet: fleetSectionSchema.default({}),
  })
  .strict();

/** A validated config, every default filled in. */
export type WardenConfig = z.infer<typeof configSchema>;
export type HeartbeatExpectation = z.infer<typeof heartbeatExpectationSchema>;
export type AlertChannelConfig = z.infer<typeof alertChannelSchema>;
export type ExchangeSection = z.infer<typeof exchangeSectionSchema>;
export type ReactionsSection = z.infer<typeof reactionsSchema>;
