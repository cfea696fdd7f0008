import {
  type Clock,
  monotonicClock,
  ownOptions,
  parseInput,
  type RateLimit,
  type RateLimiter,
  systemClock,
} from '@warden/core';
import { z } from 'zod';

/** Configuration for {@link createMemoryRateLimiter}. */
export interface MemoryRateLimiterConfig {
  /**
   * Time source for the windows and `resetAt`. Without one, windows are timed on the monotonic
   * clock (`performance.now`) and only `resetAt` is read from `Date.now`, so a wall clock that
   * steps neither resets a used-up window (forward) nor holds one shut for the step (back).
   * @default monotonic windows, `resetAt` from Date.now
   */
  now?: Clock;
  /**
   * The most keys with a window held at once. A new key past it is refused (`allowed: false`)
   * until a window ends: every peer with a self-made key is a new key, and a flood of them
   * within one window must not grow memory without bound. @default 100000
   */
  maxKeys?: number;
}

const configSchema = z
  .object({
    now: z.custom<Clock>((value) => typeof value === 'function', 'must be a function').optional(),
    maxKeys: z.number().int().min(1).max(100_000_000).optional(),
  })
  .strict();

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

interface Window {
  count: number;
  resetAt: number;
  windowMs: number;
}

/**
 * Creates an in-process fixed-window {@link RateLimiter}. Windows are kept per key, at most
 * `maxKeys` of them; ended ones are dropped as new ones open, at a cost proportional to what is
 * dropped (never a scan of every key per call, which a flood of keys would turn quadratic).
 * No timers.
 *
 * @throws `InvalidInputError` for an invalid config, naming the field.
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterConfig = {}): MemoryRateLimiter {
  // Own fields only: an Object.prototype.maxKeys set by another library decides nothing here.
  const config = ownOptions(options);
  parseInput(configSchema, config, 'memory rate limiter config');
  // An injected clock times everything (tests move it); the real one times windows monotonically.
  const now = config.now ?? monotonicClock;
  const wallNow = config.now ?? systemClock;
  const maxKeys = config.maxKeys ?? 100_000;
  const windows = new Map<string, Window>();
  const ending = createEndingOrder(windows);
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
      // Windows end on `now`'s scale; callers are told when in wall-clock time.
      const toWallTime = (end: number): number => (config.now ? end : wallNow() + (end - time));
      let window = windows.get(validKey);
      if (!window || window.resetAt <= time) {
        ending.dropEnded(time);
        ending.forget(validKey);
        if (windows.size >= maxKeys) return { allowed: false, remaining: 0, resetAt: toWallTime(ending.earliestEnd()) };
        window = { count: 0, resetAt: time + windowMs, windowMs };
        ending.open(validKey, window);
      }
      if (window.count >= limit) return { allowed: false, remaining: 0, resetAt: toWallTime(window.resetAt) };
      window.count += 1;
      return { allowed: true, remaining: limit - window.count, resetAt: toWallTime(window.resetAt) };
    },
  };
}

/**
 * Keeps the keys of `windows` in the order their windows end: one queue per window length, in
 * which opening order is ending order, so ended windows are always found at a queue's front.
 */
function createEndingOrder(windows: Map<string, Window>) {
  const queues = new Map<number, Set<string>>();
  return {
    open(key: string, window: Window): void {
      windows.set(key, window);
      let queue = queues.get(window.windowMs);
      if (!queue) {
        queue = new Set();
        queues.set(window.windowMs, queue);
      }
      queue.add(key);
    },
    forget(key: string): void {
      const window = windows.get(key);
      if (!window) return;
      windows.delete(key);
      queues.get(window.windowMs)?.delete(key);
    },
    dropEnded(time: number): void {
      for (const [windowMs, queue] of queues) {
        for (const key of queue) {
          if ((windows.get(key)?.resetAt ?? time) > time) break;
          queue.delete(key);
          windows.delete(key);
        }
        if (queue.size === 0) queues.delete(windowMs);
      }
    },
    /** When the first held window ends: the earliest a refused new key can be let in. */
    earliestEnd(): number {
      let earliest = Number.POSITIVE_INFINITY;
      for (const queue of queues.values()) {
        for (const key of queue) {
          earliest = Math.min(earliest, windows.get(key)?.resetAt ?? earliest);
          break;
        }
      }
      return earliest;
    },
  };
}
