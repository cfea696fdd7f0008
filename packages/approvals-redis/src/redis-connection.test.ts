import { describe, expect, it } from 'vitest';
import { createRedisConnection } from './redis-connection.js';

describe('createRedisConnection(url)', () => {
  it('does not queue commands while disconnected, so a dead server fails fast', () => {
    const redis = createRedisConnection('redis://127.0.0.1:1');
    expect(redis.options.enableOfflineQueue).toBe(false);
    expect(redis.options.lazyConnect).toBe(true);
    expect(redis.status).toBe('wait');
    redis.disconnect();
  });
});
