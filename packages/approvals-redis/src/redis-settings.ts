import { parseInput, parseTtl } from '@warden/core';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** Settings for `createRedisApprovalStore`. Give either `redis` or `url`. */
export interface RedisApprovalStoreSettings {
  /** An ioredis client to use. The store never closes a client it did not create. */
  redis?: Redis;
  /** Redis URL, used when no `redis` client is given. @default process.env.REDIS_URL */
  url?: string;
  /**
   * Prefix of every key. On Redis Cluster, include a hash tag (`{warden-approvals}:`) so that a
   * record and its indexes share a slot for the atomic scripts. @default 'warden:approvals:'
   */
  prefix?: string;
  /**
   * How long a decided record is kept after it has first been read back (`"30d"`, ms), or `null`
   * to keep it forever. A decided record nobody has read yet is never deleted, and a pending one
   * never expires from Redis: expiry is a recorded state, not a lost key. @default "30d"
   */
  retainDecidedFor?: string | number | null;
  /** How long (ms) one Redis command may take before it fails. @default 2000 */
  commandTimeoutMs?: number;
}

/** The longest retention accepted: ten years. */
const MAX_RETENTION_MS = 10 * 365 * 86_400_000;

/** The settings after parsing. */
export interface ResolvedRedisStoreSettings {
  /** The injected client, if any. */
  redis: Redis | undefined;
  /** The URL to connect to when no client was injected. */
  url: string | undefined;
  /** Prefix of every key. */
  prefix: string;
  /** Retention of a decided record after its first read, in ms; 0 keeps it forever. */
  retainDecidedMs: number;
  /** Per-command timeout. */
  commandTimeoutMs: number;
}

/** A key prefix: printable characters without spaces or glob characters. */
const keyPrefixSchema: z.ZodType<string> = z
  .string()
  .max(100)
  .regex(/^[A-Za-z0-9._:{}-]*$/, 'must be letters, digits, ".", "_", "-", ":", "{" or "}"');

/** True for an object that looks like an ioredis client. */
function isRedisClient(value: unknown): value is Redis {
  return (
    typeof value === 'object' &&
    value !== null &&
    ['eval', 'evalsha', 'hget', 'zrange', 'pipeline'].every(
      (method) => typeof (value as Record<string, unknown>)[method] === 'function',
    )
  );
}

/** The `redis` / `url` pair every Redis adapter here takes. */
const connectionSchema = {
  redis: z.custom<Redis>(isRedisClient, 'must be an ioredis client').optional(),
  url: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  commandTimeoutMs: z.number().int().positive().max(60_000).default(2_000),
};

const settingsSchema = z
  .object({
    ...connectionSchema,
    prefix: keyPrefixSchema.default('warden:approvals:'),
    retainDecidedFor: z
      .union([z.string(), z.number(), z.null()])
      .default('30d')
      .refine((ttl) => ttl === null || isValidTtl(ttl), 'must be a duration like "30d", positive milliseconds or null'),
  })
  .strict()
  .refine((settings) => !(settings.redis && settings.url), {
    message: 'give either redis or url, not both',
    path: ['url'],
  });

/** Parses the settings once; the error names the field at fault. */
export function resolveRedisStoreSettings(
  settings: RedisApprovalStoreSettings,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedRedisStoreSettings {
  const parsed = parseInput(settingsSchema, settings, 'Redis approval store settings');
  const url = requireUrl(parsed.redis, parsed.url, env, 'Redis approval store settings');
  const retention = parsed.retainDecidedFor;
  const retainDecidedMs = retention === null ? 0 : parseTtl(retention, MAX_RETENTION_MS);
  return {
    redis: parsed.redis,
    url,
    prefix: parsed.prefix,
    retainDecidedMs,
    commandTimeoutMs: parsed.commandTimeoutMs,
  };
}

/** The URL to use: none when a client is injected, else `url` or `REDIS_URL`; throws when neither is set. */
function requireUrl(
  redis: Redis | undefined,
  url: string | undefined,
  env: NodeJS.ProcessEnv,
  what: string,
): string | undefined {
  if (redis) return undefined;
  const resolved = url ?? env.REDIS_URL;
  if (!resolved) parseInput(z.object({ url: z.string({ error: 'set url, REDIS_URL or redis' }) }), {}, what);
  return resolved;
}

function isValidTtl(ttl: string | number): boolean {
  try {
    parseTtl(ttl, MAX_RETENTION_MS);
    return true;
  } catch {
    return false;
  }
}

/** Settings for `createRedisRateLimiter`. Give either `redis` or `url`. */
export interface RedisRateLimiterSettings {
  /** An ioredis client to use. The limiter never closes a client it did not create. */
  redis?: Redis;
  /** Redis URL, used when no `redis` client is given. @default process.env.REDIS_URL */
  url?: string;
  /** Prefix of every counter key. @default 'warden:rate:' */
  prefix?: string;
  /** How long (ms) one Redis command may take before it fails. @default 2000 */
  commandTimeoutMs?: number;
  /** Time source, used only to report `resetAt` (the window itself is timed by Redis). @default Date.now */
  now?: () => number;
}

/** The rate limiter settings after parsing. */
export interface ResolvedRedisRateLimiterSettings {
  /** The injected client, if any. */
  redis: Redis | undefined;
  /** The URL to connect to when no client was injected. */
  url: string | undefined;
  /** Prefix of every counter key. */
  prefix: string;
  /** Per-command timeout. */
  commandTimeoutMs: number;
  /** Time source for `resetAt`. */
  now: () => number;
}

const rateLimiterSettingsSchema = z
  .object({
    ...connectionSchema,
    prefix: keyPrefixSchema.default('warden:rate:'),
    now: z.custom<() => number>((value) => typeof value === 'function', 'must be a function').optional(),
  })
  .strict()
  .refine((settings) => !(settings.redis && settings.url), {
    message: 'give either redis or url, not both',
    path: ['url'],
  });

/** Parses the rate limiter settings once; the error names the field at fault. */
export function resolveRedisRateLimiterSettings(
  settings: RedisRateLimiterSettings,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedRedisRateLimiterSettings {
  const parsed = parseInput(rateLimiterSettingsSchema, settings, 'Redis rate limiter settings');
  const url = requireUrl(parsed.redis, parsed.url, env, 'Redis rate limiter settings');
  return {
    redis: parsed.redis,
    url,
    prefix: parsed.prefix,
    commandTimeoutMs: parsed.commandTimeoutMs,
    now: parsed.now ?? Date.now,
  };
}
