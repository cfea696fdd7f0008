import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisClient, duplicateForSubscriber, reconnectDelay } from './connection.js';
import { hashTaggedKey } from './script.js';

describe('createRedisClient(target)', () => {
  it('does not queue commands while disconnected, so a dead server fails fast', () => {
    const redis = createRedisClient({ kind: 'url', url: 'redis://127.0.0.1:1' }, 750) as Redis;
    expect(redis.options.enableOfflineQueue).toBe(false);
    expect(redis.options.lazyConnect).toBe(true);
    expect(redis.options.commandTimeout).toBe(750);
    expect(redis.status).toBe('wait');
    const subscriber = duplicateForSubscriber(redis, 750) as Redis;
    expect(subscriber.options.autoResubscribe).toBe(false);
    expect(subscriber.options.enableOfflineQueue).toBe(false);
    redis.disconnect();
    subscriber.disconnect();
  });
});

describe('reconnectDelay(attempt)', () => {
  it('backs off from 50 ms and never waits more than a second', () => {
    expect([1, 2, 3, 4, 5, 6, 100].map(reconnectDelay)).toEqual([50, 100, 200, 400, 800, 1_000, 1_000]);
  });
});

describe('hashTaggedKey(prefix, tag, suffix)', () => {
  it('puts the tag in braces between prefix and suffix', () => {
    expect(hashTaggedKey('warden:kill-switch:', 'global', ':state')).toBe('warden:kill-switch:{global}:state');
  });
});
