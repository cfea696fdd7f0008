import { describeWithService } from '@warden/testing';
import { expect, it } from 'vitest';
import { createRedisConnection } from './redis-connection.js';

describeWithService('redis', 'Redis server', (redisUrl) => {
  it('answers PING through the project client', async () => {
    const redis = createRedisConnection(redisUrl);
    await redis.connect();
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });
});
