import { BackendUnavailableError, parseInput, type RateLimit, type RateLimiter } from '@warden/core';
import { createLazyRedisConnection, defineRedisScript, redactRedisError } from '@warden/redis-client';
import { z } from 'zod';
import { parseRedisRateLimiterConfig, type RedisRateLimiterConfig } from './redis-config.js';
import { rateLimitRedisKey } from './redis-rate-key.js';
import { readConsumeReply } from './redis-rate-reply.js';

/**
 * Fixed window counter. KEYS: counter. ARGV: limit, window ms. Counts only when the event fits
 * (a refused event is not counted); the window starts with its first event and is timed by
 * Redis. Returns { allowed (1/0), count, ms until the window ends }.
 */
const consumeScript = defineRedisScript(`
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[2])
  return {1, 1, tonumber(ARGV[2])}
end
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then return {0, count, ttl} end
return {1, redis.call('INCR', KEYS[1]), ttl}
`);

const rateLimitSchema = z.object({
  limit: z.number().int().min(1).max(1_000_000_000),
  windowMs: z.number().int().min(1).max(31_536_000_000),
});
const rateKeySchema = z.string().min(1).max(512);

/** The Redis rate limiter, with `close()` for the connection it opened itself. */
export interface RedisRateLimiter extends RateLimiter {
  /** Closes the connection the limiter opened itself (an injected client stays open). */
  close(): Promise<void>;
}

/**
 * Creates a {@link RateLimiter} on Redis (single, Sentinel or Cluster: one key per counter), shared
 * by every process using the same `keyPrefix`: a Lua
 * script checks and counts in one atomic step, so two concurrent calls never both take the last
 * slot, and a refused event is not counted. No I/O happens until the first call.
 *
 * @example
 * const limiter = createRedisRateLimiter({ url: process.env.REDIS_URL });
 * await limiter.consume('gateway:p2p-gateway', { limit: 10, windowMs: 60_000 });
 * @throws `InvalidInputError` for an invalid config, naming the field.
 */
export function createRedisRateLimiter(config: RedisRateLimiterConfig = {}): RedisRateLimiter {
  const resolved = parseRedisRateLimiterConfig(config);
  const connection = createLazyRedisConnection(resolved.target, resolved.commandTimeoutMs);
  return {
    specificationVersion: 'rate-limiter-v1',
    providerId: 'redis',
    async consume(key: string, rateLimit: RateLimit) {
      const validKey = parseInput(rateKeySchema, key, 'rate limit key');
      const { limit, windowMs } = parseInput(rateLimitSchema, rateLimit, 'rate limit');
      let reply: unknown;
      try {
        reply = await consumeScript.run(
          await connection.get(),
          [rateLimitRedisKey(resolved.keyPrefix, validKey)],
          [limit, windowMs],
        );
      } catch (error) {
        throw new BackendUnavailableError({
          backend: 'redis',
          message: 'Redis rate limiter: consume failed',
          cause: redactRedisError(error),
        });
      }
      const { allowed, count, remainingMs } = readConsumeReply(reply);
      return {
        allowed,
        remaining: Math.max(0, limit - count),
        resetAt: resolved.now() + remainingMs,
      };
    },
    close: () => connection.close(),
  };
}
