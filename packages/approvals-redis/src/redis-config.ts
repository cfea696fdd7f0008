import { MAX_TTL_MS, ownOptions, parseInput, parseTtl } from '@warden/core';
import {
  keyPrefixSchema,
  minReplicaAcksSchema,
  type RedisConnectionConfig,
  type RedisTarget,
  redisConnectionShape,
  replicaAcksFor,
  resolveRedisTarget,
  topologyOf,
} from '@warden/redis-client';
import { z } from 'zod';

/**
 * Config of `createRedisApprovalStore`. Give one of `redis`, `url`, `sentinels` or
 * `clusterNodes` (default: `REDIS_URL`).
 */
export interface RedisApprovalStoreConfig extends RedisConnectionConfig {
  /**
   * Prefix of every key. Letters, digits, `.`, `_`, `-` and `:`; the store adds a Cluster hash tag
   * per request (`<keyPrefix>{<id>}:request`) and one for its indexes. @default 'warden:approvals:'
   */
  keyPrefix?: string;
  /**
   * How long a rejected, expired or cancelled record is kept from the write that decided it
   * (`"30d"`, ms; a Redis TTL), or `null` to keep it forever (an approved one is kept for
   * `holdApprovedFor`). A pending one never expires from Redis: expiry is a recorded state, not
   * a lost key. @default "30d"
   */
  retainDecidedFor?: string | number | null;
  /**
   * How long an approved request is held awaiting execution (`"1h"`, ms; at most 30 days). When
   * the hold is over the record is deleted (a Redis TTL, and a check by Redis's clock in every
   * script that reads or writes it), so executing it is refused (`ApprovalNotFoundError` from the
   * workflow) and an approval nobody executes never piles up. There is no "forever". @default "1h"
   */
  holdApprovedFor?: string | number;
  /** How long (ms) one Redis command may take before it fails. @default 2000 */
  commandTimeoutMs?: number;
  /**
   * Replicas that must hold a write (Redis `WAIT`, within `commandTimeoutMs`) before `create` or
   * `compareAndSet` reports it done; otherwise the call fails with `BackendUnavailableError`.
   * Replication is asynchronous: a rejection the master acknowledged and a failover lost would
   * leave the request pending, to be approved after all. Not used on Cluster (no `WAIT` there).
   * @default 1 on Sentinel, else 0
   */
  minReplicaAcks?: number;
  /**
   * The most pending requests the store holds, or `null` for no bound. Counted and filed in one
   * Lua script, so processes racing on one Redis never together pass it (a gateway's own
   * `queue.maxPending` is counted per process); `create` past it throws `QuotaExceededError` and
   * drops nothing already pending. @default null
   */
  maxPending?: number | null;
  /**
   * The most pending requests one requester (a gateway's `p2p:<key>`, one per source) may have,
   * or `null` for no bound; counted atomically with the insert, like `maxPending`. @default null
   */
  maxPendingPerRequester?: number | null;
}

/** The longest retention accepted: ten years. */
const MAX_RETENTION_MS = 10 * 365 * 86_400_000;

/** {@link RedisApprovalStoreConfig} after parsing. */
export interface ParsedRedisApprovalStoreConfig {
  /** Where to connect. */
  target: RedisTarget;
  /** Prefix of every key. */
  keyPrefix: string;
  /** Retention of a decided record from its decision, in ms; 0 keeps it forever. */
  retainDecidedMs: number;
  /** How long an approved record is held awaiting execution, in ms. */
  holdApprovedMs: number;
  /** Per-command timeout. */
  commandTimeoutMs: number;
  /** Replicas that must acknowledge each write; 0 on Cluster. */
  minReplicaAcks: number;
  /** Bound on pending requests overall; 0 for none. */
  maxPending: number;
  /** Bound on one requester's pending requests; 0 for none. */
  maxPendingPerRequester: number;
}

const pendingBound = z.number().int().positive().max(100_000_000).nullable().default(null);

const commandTimeoutMs = z.number().int().positive().max(60_000).default(2_000);

const storeConfigSchema = z
  .object({
    ...redisConnectionShape,
    commandTimeoutMs,
    keyPrefix: keyPrefixSchema.default('warden:approvals:'),
    retainDecidedFor: z
      .union([z.string(), z.number(), z.null()])
      .default('30d')
      .refine((ttl) => ttl === null || isValidTtl(ttl), 'must be a duration like "30d", positive milliseconds or null'),
    holdApprovedFor: z
      .union([z.string(), z.number()])
      .default('1h')
      .refine(
        (ttl) => isValidTtl(ttl, MAX_TTL_MS),
        'must be a duration like "1h" or positive milliseconds, at most 30 days',
      ),
    minReplicaAcks: minReplicaAcksSchema.optional(),
    maxPending: pendingBound,
    maxPendingPerRequester: pendingBound,
  })
  .strict();

const WHAT_STORE = 'Redis approval store config';

/** Parses the config once; the error names the field at fault. */
export function parseRedisApprovalStoreConfig(
  config: RedisApprovalStoreConfig,
  env: NodeJS.ProcessEnv = process.env,
): ParsedRedisApprovalStoreConfig {
  // Own fields only, in and out: an Object.prototype.url set by another library must not choose the Redis.
  const parsed = ownOptions(parseInput(storeConfigSchema, ownOptions(config), WHAT_STORE));
  const retention = parsed.retainDecidedFor;
  const target = resolveRedisTarget(parsed, WHAT_STORE, env);
  return {
    target,
    keyPrefix: parsed.keyPrefix,
    retainDecidedMs: retention === null ? 0 : parseTtl(retention, MAX_RETENTION_MS),
    holdApprovedMs: parseTtl(parsed.holdApprovedFor, MAX_TTL_MS),
    commandTimeoutMs: parsed.commandTimeoutMs,
    minReplicaAcks: replicaAcksFor(topologyOf(target), parsed.minReplicaAcks),
    maxPending: parsed.maxPending ?? 0,
    maxPendingPerRequester: parsed.maxPendingPerRequester ?? 0,
  };
}

function isValidTtl(ttl: string | number, maxMs: number = MAX_RETENTION_MS): boolean {
  try {
    parseTtl(ttl, maxMs);
    return true;
  } catch {
    return false;
  }
}

/**
 * Config of `createRedisRateLimiter`. Give one of `redis`, `url`, `sentinels` or `clusterNodes`
 * (default: `REDIS_URL`).
 */
export interface RedisRateLimiterConfig extends RedisConnectionConfig {
  /** Prefix of every counter key (letters, digits, `.`, `_`, `-`, `:`). @default 'warden:rate:' */
  keyPrefix?: string;
  /** How long (ms) one Redis command may take before it fails. @default 2000 */
  commandTimeoutMs?: number;
  /** Time source, used only to report `resetAt` (the window itself is timed by Redis). @default Date.now */
  now?: () => number;
}

/** {@link RedisRateLimiterConfig} after parsing. */
export interface ParsedRedisRateLimiterConfig {
  /** Where to connect. */
  target: RedisTarget;
  /** Prefix of every counter key. */
  keyPrefix: string;
  /** Per-command timeout. */
  commandTimeoutMs: number;
  /** Time source for `resetAt`. */
  now: () => number;
}

const rateLimiterConfigSchema = z
  .object({
    ...redisConnectionShape,
    commandTimeoutMs,
    keyPrefix: keyPrefixSchema.default('warden:rate:'),
    now: z.custom<() => number>((value) => typeof value === 'function', 'must be a function').optional(),
  })
  .strict();

const WHAT_LIMITER = 'Redis rate limiter config';

/** Parses the rate limiter config once; the error names the field at fault. */
export function parseRedisRateLimiterConfig(
  config: RedisRateLimiterConfig,
  env: NodeJS.ProcessEnv = process.env,
): ParsedRedisRateLimiterConfig {
  const parsed = ownOptions(parseInput(rateLimiterConfigSchema, ownOptions(config), WHAT_LIMITER));
  return {
    target: resolveRedisTarget(parsed, WHAT_LIMITER, env),
    keyPrefix: parsed.keyPrefix,
    commandTimeoutMs: parsed.commandTimeoutMs,
    now: parsed.now ?? Date.now,
  };
}
