import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';

describe('createMemoryRateLimiter()', () => {
  it('consume(key, limit) allows up to the limit per window and not beyond', async () => {
    let time = 1_000;
    const limiter = createMemoryRateLimiter({ now: () => time });
    const limit = { limit: 2, windowMs: 1_000 };
    expect((await limiter.consume('peer', limit)).allowed).toBe(true);
    expect((await limiter.consume('peer', limit)).allowed).toBe(true);
    expect(await limiter.consume('peer', limit)).toEqual({ allowed: false, remaining: 0, resetAt: 2_000 });
    expect((await limiter.consume('other', limit)).allowed).toBe(true);
    time = 2_000;
    expect((await limiter.consume('peer', limit)).remaining).toBe(1);
  });

  it('consume(key, limit) with a zero limit throws INVALID_INPUT', async () => {
    const limiter = createMemoryRateLimiter();
    await expect(limiter.consume('peer', { limit: 0, windowMs: 1 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('consume(key, limit) drops ended windows once many keys are held, so memory stays bounded', async () => {
    let time = 0;
    const limiter = createMemoryRateLimiter({ now: () => time });
    for (let index = 0; index < 10_000; index += 1) await limiter.consume(`peer-${index}`, { limit: 1, windowMs: 10 });
    time = 100;
    expect(limiter.trackedKeys).toBe(10_000);
    await limiter.consume('fresh', { limit: 1, windowMs: 10 });
    expect(limiter.trackedKeys).toBe(1);
  });
});
