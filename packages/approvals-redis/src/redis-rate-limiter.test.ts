import { describe, expect, it } from 'vitest';
import { createRedisRateLimiter } from './redis-rate-limiter.js';

/** A client (as `redis`) whose every script answers `reply`: a proxy or a server that is not Redis. */
function answering(reply: unknown) {
  const answer = async () => reply;
  return { eval: answer, evalsha: answer, duplicate: () => undefined, hgetall: answer, pipeline: () => undefined };
}

describe('createRedisRateLimiter: a Redis that answers garbage', () => {
  it('consume(key, limit) fails closed (BACKEND_UNAVAILABLE) on a reply that is not { allowed, count, ms left }', async () => {
    const garbage = [
      [1],
      [1, 'x', 60_000],
      [1, 1],
      [1, Number.NaN, 60_000],
      [2, 1, 60_000],
      [1, -1, 60_000],
      'OK',
      1,
      null,
    ];
    for (const reply of garbage) {
      const limiter = createRedisRateLimiter({ redis: answering(reply) as never });
      await expect(
        limiter.consume('peer', { limit: 5, windowMs: 60_000 }),
        JSON.stringify(reply),
      ).rejects.toMatchObject({
        code: 'BACKEND_UNAVAILABLE',
      });
    }
  });

  it('consume(key, limit) still reads a well-formed reply', async () => {
    const limiter = createRedisRateLimiter({ redis: answering([1, 2, 1_000]) as never, now: () => 5_000 });
    expect(await limiter.consume('peer', { limit: 5, windowMs: 60_000 })).toEqual({
      allowed: true,
      remaining: 3,
      resetAt: 6_000,
    });
  });
});
