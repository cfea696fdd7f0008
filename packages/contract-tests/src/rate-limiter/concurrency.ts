import { expect, it } from 'vitest';
import { LONG_WINDOW_MS, type RateLimiterSuite } from './harness.js';

/** No two concurrent calls take the last slot, on one instance or across two. */
export function registerRateLimiterConcurrency({ harness, timeoutMs }: RateLimiterSuite): void {
  it(
    'consume(key, limit) called 50 times at once allows exactly the limit, each with its own remaining',
    async () => {
      const { limiter } = await harness();
      const limit = { limit: 7, windowMs: LONG_WINDOW_MS };
      const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.consume('burst', limit)));
      const allowed = decisions.filter((decision) => decision.allowed);
      expect(allowed).toHaveLength(7);
      expect(allowed.map((decision) => decision.remaining).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect((await limiter.consume('burst', limit)).allowed).toBe(false);
    },
    timeoutMs,
  );
}

/** Two instances on one backend share their counts. */
export function registerRateLimiterCrossInstance({ harness, peer, timeoutMs }: RateLimiterSuite): void {
  it(
    'consume(key, limit) on two instances at once allows exactly the limit between them',
    async () => {
      const { limiter } = await harness();
      const second = await peer(limiter);
      const limit = { limit: 7, windowMs: LONG_WINDOW_MS };
      const calls = Array.from({ length: 50 }, (_, index) => (index % 2 ? limiter : second).consume('shared', limit));
      const decisions = await Promise.all(calls);
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(7);
      expect((await second.consume('shared', limit)).allowed).toBe(false);
      expect((await limiter.consume('shared', limit)).allowed).toBe(false);
    },
    timeoutMs,
  );
}
