import { randomUUID } from 'node:crypto';
import { deleteRedisKeys, describeWithRedisTopologies } from '@warden/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createRedisRateLimiter, type RedisRateLimiter } from './redis-rate-limiter.js';

describeWithRedisTopologies('createRedisRateLimiter()', (topology) => {
  let prefix: string;
  let limiter: RedisRateLimiter;

  beforeEach(() => {
    prefix = `warden-test:rate:${randomUUID()}:`;
    limiter = createRedisRateLimiter({ ...topology.connection, keyPrefix: prefix });
  });

  afterEach(async () => {
    await limiter.close();
    const client = await topology.connect();
    await deleteRedisKeys(client, `${prefix}*`);
    client.disconnect();
  });

  it('consume(key, limit) allows up to the limit per window and does not count refusals', async () => {
    const limit = { limit: 2, windowMs: 60_000 };
    expect(await limiter.consume('peer', limit)).toMatchObject({ allowed: true, remaining: 1 });
    expect(await limiter.consume('peer', limit)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await limiter.consume('peer', limit)).toMatchObject({ allowed: false, remaining: 0 });
    expect(await limiter.consume('peer', { limit: 3, windowMs: 60_000 })).toMatchObject({
      allowed: true,
      remaining: 0,
    });
    expect((await limiter.consume('other', limit)).allowed).toBe(true);
  });

  it('consume(key, limit) called 50 times at once from two limiters allows exactly the limit', async () => {
    const second = createRedisRateLimiter({ ...topology.connection, keyPrefix: prefix });
    const limit = { limit: 7, windowMs: 60_000 };
    const calls = Array.from({ length: 50 }, (_, index) => (index % 2 ? limiter : second).consume('burst', limit));
    const decisions = await Promise.all(calls);
    await second.close();
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(7);
  });

  it('consume(key, limit) counts keys holding hash-tag braces or lone surrogate halves each on its own, on every topology', async () => {
    // A peer chooses its key: braces that pick a Cluster slot, or a half cut off mid-character.
    const keys = ['{peer}', 'peer{}', '{x}peer', 'peer\ud800', 'peer\udc00', 'peer\ufffd', '{peer\ud800}'];
    const limit = { limit: 1, windowMs: 60_000 };
    for (const key of keys) expect((await limiter.consume(key, limit)).allowed, JSON.stringify(key)).toBe(true);
    for (const key of keys) expect((await limiter.consume(key, limit)).allowed, JSON.stringify(key)).toBe(false);
  });

  it('consume(key, limit) opens a new window once the old one ends', async () => {
    const limit = { limit: 1, windowMs: 100 };
    expect((await limiter.consume('slow', limit)).allowed).toBe(true);
    expect((await limiter.consume('slow', limit)).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await limiter.consume('slow', limit)).allowed).toBe(true);
  });
});
