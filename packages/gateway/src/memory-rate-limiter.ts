import { type Clock, parseInput, type RateLimit, type RateLimiter, systemClock } from '@warden/core';
import { z } from 'zod';

/** Options for {@link createMemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** Time source. @default Date.now */
  now?: Clock;
}

const rateLimitSchema = z.object({
  limit: z.number().int().min(1).max(1_000_000_000),
  windowMs: z.number().int().min(1).max(31_536_000_000),
});

/**
 * Creates an in-process fixed-window {@link RateLimiter}. Windows are kept per key and dropped
 * once they end, so memory stays bounded by the number of keys active in one window.
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const now = options.now ?? systemClock;
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    specificationVersion: 'rate-limiter-v1',
    providerId: 'memory',
    async consume(key: string, rateLimit: RateLimit) {
      const { limit, windowMs } = parseInput(rateLimitSchema, rateLimit, 'rate limit');
      const time = now();
      let window = windows.get(key);
      if (!window || window.resetAt <= time) {
        window = { count: 0, resetAt: time + windowMs };
        windows.set(key, window);
      }
      if (window.count >= limit) return { allowed: false, remaining: 0, resetAt: window.resetAt };
      window.count += 1;
      return { allowed: true, remaining: limit - window.count, resetAt: window.resetAt };
    },
  };
}
