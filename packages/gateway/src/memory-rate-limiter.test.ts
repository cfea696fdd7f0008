import { afterEach, describe, expect, it, vi } from 'vitest';
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

describe('createMemoryRateLimiter() against peers with self-made keys flooding one window', () => {
  const perMinute = { limit: 5, windowMs: 60_000 };

  it('holds at most maxKeys windows: a new key past the bound is refused until a window ends, known keys still count', async () => {
    let time = 0;
    const limiter = createMemoryRateLimiter({ now: () => time, maxKeys: 100 });
    for (let index = 0; index < 1_000; index += 1) await limiter.consume(`self-made-${index}`, perMinute);
    expect(limiter.trackedKeys).toBe(100);
    expect(await limiter.consume('self-made-1000', perMinute)).toEqual({
      allowed: false,
      remaining: 0,
      resetAt: 60_000,
    });
    expect(await limiter.consume('self-made-0', perMinute)).toMatchObject({ allowed: true, remaining: 3 });
    time = 60_000;
    expect((await limiter.consume('late', perMinute)).allowed).toBe(true);
    expect(limiter.trackedKeys).toBe(1);
  });

  it('createMemoryRateLimiter({ maxKeys }) refuses a bound that is not a positive whole number', () => {
    for (const maxKeys of [0, -1, 1.5, Number.NaN]) {
      expect(() => createMemoryRateLimiter({ maxKeys })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});

describe('createMemoryRateLimiter() against a wall clock that steps (a fault is an attacker)', () => {
  const perMinute = { limit: 2, windowMs: 60_000 };
  afterEach(() => vi.restoreAllMocks());

  it('consume(key, limit) keeps a used-up window refused when the wall clock steps forward an hour', async () => {
    const limiter = createMemoryRateLimiter();
    vi.spyOn(performance, 'now').mockReturnValue(5_000);
    vi.spyOn(Date, 'now').mockReturnValue(1_000_000_000_000);
    await limiter.consume('peer', perMinute);
    await limiter.consume('peer', perMinute);
    vi.spyOn(Date, 'now').mockReturnValue(1_000_000_000_000 + 3_600_000);
    const decision = await limiter.consume('peer', perMinute);
    expect(decision.allowed).toBe(false);
    // resetAt stays a wall-clock time: the window's remaining minute from the stepped clock.
    expect(decision.resetAt).toBe(1_000_000_000_000 + 3_600_000 + 60_000);
  });

  it('consume(key, limit) opens the next window a minute later even after the wall clock stepped back an hour', async () => {
    const limiter = createMemoryRateLimiter({ maxKeys: 1 });
    const monotonic = vi.spyOn(performance, 'now').mockReturnValue(5_000);
    vi.spyOn(Date, 'now').mockReturnValue(1_000_000_000_000);
    await limiter.consume('peer', perMinute);
    await limiter.consume('peer', perMinute);
    vi.spyOn(Date, 'now').mockReturnValue(1_000_000_000_000 - 3_600_000);
    monotonic.mockReturnValue(5_000 + 60_000);
    expect((await limiter.consume('peer', perMinute)).allowed).toBe(true);
    monotonic.mockReturnValue(5_000 + 120_000);
    // The one window the bound allows ended on time too: a new key is not refused for an hour.
    expect((await limiter.consume('new-peer', perMinute)).allowed).toBe(true);
  });
});
