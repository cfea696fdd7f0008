import { type Clock, parseInput, type RateLimit, type RateLimiter, systemClock } from '@warden/core';
import { z } from 'zod';

/** Configuration for {@link createMemoryRateLimiter}. */
export interface MemoryRateLimiterConfig {
  /** Time source. @default Date.now */
  now?: Clock;
}

const rateLimitSchema = z.object({
  limit: z.number().int().min(1).max(1_000_000_000),
  windowMs: z.number().int().min(1).max(31_536_000_000),
});
const rateKeySchema = z.string().min(1).max(512);

/** The in-memory limiter, with the number of keys it holds (to show memory stays bounded). */
export interface MemoryRateLimiter extends RateLimiter {
  /** How many keys have a window in memory right now. */
  readonly trackedKeys: number;
}

/** Above this many keys, ended windows are dropped before a new one is opened. */
const SWEEP_THRESHOLD = 10_000;

/**
 * Creates an in-process fixed-window {@link RateLimiter}. Windows are kept per key; ended ones
 * are dropped whenever many keys are held, so memory stays bounded by the keys active in one
 * window. No timers.
 */
export function createMemoryRateLimiter(config: MemoryRateLimiterConfig = {}): MemoryRateLimiter {
  const now = config.now ?? systemClock;
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    specificationVersion: 'rate-limiter-v1',
    providerId: 'memory',
    get trackedKeys() {
      return windows.size;
    },
    async consume(key: string, rateLimit: RateLimit) {
      const validKey = parseInput(rateKeySchema, key, 'rate limit key');
      const { limit, windowMs } = parseInput(rateLimitSchema, rateLimit, 'rate limit');
      const time = now();
      if (windows.size >= SWEEP_THRESHOLD) dropEndedWindows(windows, time);
      let window = windows.get(validKey);
      if (!window || window.resetAt <= time) {
        window = { count: 0, resetAt: time + windowMs };
        windows.set(validKey, window);
      }
      if (window.count >= limit) return { allowed: false, remaining: 0, resetAt: window.resetAt };
      window.count += 1;
      return { allowed: true, remaining: limit - window.count, resetAt: window.resetAt };
    },
  };
}

function dropEndedWindows(windows: Map<string, { resetAt: number }>, time: number): void {
  for (const [key, window] of windows) if (window.resetAt <= time) windows.delete(key);
}
