import { describe, expect, it } from 'vitest';
import { createRedisConnection, reconnectDelay } from './redis-connection.js';

describe('createRedisConnection(url)', () => {
  it('does not queue commands while disconnected, so a dead server fails fast', () => {
    const redis = createRedisConnection('redis://127.0.0.1:1');
    expect(redis.options.enableOfflineQueue).toBe(false);
    expect(redis.options.lazyConnect).toBe(true);
    expect(redis.options.commandTimeout).toBe(1_000);
    expect(redis.status).toBe('wait');
    redis.disconnect();
  });
});

describe('reconnectDelay(attempt)', () => {
  it('backs off from 50 ms and never waits more than a second', () => {
    expect([1, 2, 3, 4, 5, 6, 100].map(reconnectDelay)).toEqual([50, 100, 200, 400, 800, 1_000, 1_000]);
  });
});
