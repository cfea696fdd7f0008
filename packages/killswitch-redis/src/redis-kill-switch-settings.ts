import { type Clock, parseInput, type SecurityEventEmitter, systemClock } from '@warden/core';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** How `isActive()` answers when the local copy is stale because Redis cannot be reached. */
export type RedisKillSwitchFailMode = 'closed' | 'open';

/** Settings for {@link createRedisKillSwitch}. */
export interface RedisKillSwitchConfig {
  /**
   * An ioredis client to use for reads and writes. The adapter never closes it; it opens one
   * more connection of its own (a duplicate) for pub/sub and closes that in `close()`.
   * Give either `redis` or `url`, not both.
   */
  redis?: Redis;
  /** Redis URL, used when no `redis` client is given. @default process.env.REDIS_URL */
  url?: string;
  /**
   * Which switch: one Redis can hold many independent switches (`global`, `tenant-42`,
   * `agent.reviewer`). Letters, digits, `.`, `_` and `-`, at most 128 characters, so a name
   * can never reach into another switch's keys. @default 'global'
   */
  name?: string;
  /** Prefix of every key and channel. Letters, digits, `.`, `_`, `-` and `:`. @default 'warden:kill-switch:' */
  keyPrefix?: string;
  /**
   * How old (ms) the local copy may get while Redis cannot be reached before `isActive()`
   * stops trusting it. Must be larger than `refreshIntervalMs`. @default 5000
   */
  staleAfterMs?: number;
  /**
   * `'closed'`: a stale copy answers active. `'open'`: a stale copy keeps answering the last
   * state Redis confirmed (inactive if it never confirmed one). @default 'closed'
   */
  failMode?: RedisKillSwitchFailMode;
  /** How often (ms) each instance re-reads the state, in case a pub/sub message was lost. @default 1000 */
  refreshIntervalMs?: number;
  /** How long (ms) one Redis command may take before it counts as failed. @default 1000 */
  commandTimeoutMs?: number;
  /** How many changes the shared history keeps, newest first. @default 100 */
  historyLimit?: number;
  /** Receives a `kill_switch_activated` / `kill_switch_deactivated` event for every change this instance makes. */
  events?: SecurityEventEmitter;
  /** Told about Redis errors and listener exceptions, which never reach the host otherwise. @default ignore */
  onError?: (error: unknown) => void;
  /** Time source for `changedAt` and staleness. @default Date.now */
  now?: Clock;
}

/** {@link RedisKillSwitchConfig} after parsing: every default filled in, keys derived. */
export interface RedisKillSwitchSettings {
  /** The injected client, if any. */
  redis: Redis | undefined;
  /** The URL to connect to when no client was injected. */
  url: string | undefined;
  /** The switch's name. */
  name: string;
  /** Where the state lives (a hash). */
  stateKey: string;
  /** Where the bounded history lives (a list). */
  historyKey: string;
  /** Where changes are published. */
  channel: string;
  /** See {@link RedisKillSwitchConfig.staleAfterMs}. */
  staleAfterMs: number;
  /** See {@link RedisKillSwitchConfig.failMode}. */
  failMode: RedisKillSwitchFailMode;
  /** See {@link RedisKillSwitchConfig.refreshIntervalMs}. */
  refreshIntervalMs: number;
  /** See {@link RedisKillSwitchConfig.commandTimeoutMs}. */
  commandTimeoutMs: number;
  /** See {@link RedisKillSwitchConfig.historyLimit}. */
  historyLimit: number;
  /** See {@link RedisKillSwitchConfig.events}. */
  events: SecurityEventEmitter | undefined;
  /** See {@link RedisKillSwitchConfig.onError}. */
  onError: (error: unknown) => void;
  /** See {@link RedisKillSwitchConfig.now}. */
  now: Clock;
}

/** Names that cannot reach into other keys: no `:`, `*`, `{`, whitespace or control characters. */
const switchNameSchema = z
  .string()
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-", starting with a letter or digit');

const keyPrefixSchema = z
  .string()
  .max(100)
  .regex(/^[A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", "-" or ":"');

const isRedisClient = (value: unknown): value is Redis =>
  typeof value === 'object' &&
  value !== null &&
  ['duplicate', 'hgetall', 'eval', 'lrange'].every(
    (method) => typeof (value as Record<string, unknown>)[method] === 'function',
  );

const isEventEmitter = (value: unknown): value is SecurityEventEmitter =>
  typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>).emit === 'function';

const milliseconds = z.number().int().positive().max(86_400_000);

const configSchema = z
  .object({
    redis: z.custom<Redis>(isRedisClient, 'must be an ioredis client').optional(),
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
    name: switchNameSchema.default('global'),
    keyPrefix: keyPrefixSchema.default('warden:kill-switch:'),
    staleAfterMs: milliseconds.default(5_000),
    failMode: z.enum(['closed', 'open']).default('closed'),
    refreshIntervalMs: milliseconds.default(1_000),
    commandTimeoutMs: milliseconds.default(1_000),
    historyLimit: z.number().int().min(1).max(10_000).default(100),
    events: z.custom<SecurityEventEmitter>(isEventEmitter, 'must be a SecurityEventEmitter').optional(),
    onError: z
      .custom<(error: unknown) => void>((value) => typeof value === 'function', 'must be a function')
      .optional(),
    now: z.custom<Clock>((value) => typeof value === 'function', 'must be a function').optional(),
  })
  .strict()
  .refine((config) => !(config.redis && config.url), { message: 'give either redis or url, not both', path: ['url'] })
  .refine((config) => config.staleAfterMs > config.refreshIntervalMs, {
    message: 'must be larger than refreshIntervalMs',
    path: ['staleAfterMs'],
  });

/**
 * Parses the settings once, filling in defaults (the URL from `env.REDIS_URL`). Throws
 * `InvalidInputError` naming the field at fault.
 */
export function parseRedisKillSwitchConfig(
  config: RedisKillSwitchConfig,
  env: NodeJS.ProcessEnv = process.env,
): RedisKillSwitchSettings {
  const parsed = parseInput(configSchema, config, 'Redis kill switch settings');
  const url = parsed.redis ? undefined : (parsed.url ?? env.REDIS_URL);
  if (!parsed.redis && !url) {
    parseInput(z.object({ url: z.string({ error: 'set url, REDIS_URL or redis' }) }), {}, 'Redis kill switch settings');
  }
  const base = `${parsed.keyPrefix}${parsed.name}`;
  return {
    redis: parsed.redis,
    url,
    name: parsed.name,
    stateKey: `${base}:state`,
    historyKey: `${base}:history`,
    channel: `${base}:changes`,
    staleAfterMs: parsed.staleAfterMs,
    failMode: parsed.failMode,
    refreshIntervalMs: parsed.refreshIntervalMs,
    commandTimeoutMs: parsed.commandTimeoutMs,
    historyLimit: parsed.historyLimit,
    events: parsed.events,
    onError: neverThrowing(parsed.onError),
    now: parsed.now ?? systemClock,
  };
}

/** A hook that throws must not turn a Redis error into a crash of the host. */
function neverThrowing(onError: ((error: unknown) => void) | undefined): (error: unknown) => void {
  return (error) => {
    try {
      onError?.(error);
    } catch {
      // Nowhere left to report it.
    }
  };
}
