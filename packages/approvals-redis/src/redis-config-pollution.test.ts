import { afterEach, describe, expect, it } from 'vitest';
import { parseRedisApprovalStoreConfig, parseRedisRateLimiterConfig } from './redis-config.js';

// Another library in the process set a field on Object.prototype (prototype pollution), not
// enumerable, so that strict schemas reading the caller's keys do not refuse everything first.
afterEach(() => {
  delete (Object.prototype as Record<string, unknown>).url;
});

describe('the Redis approval store and rate limiter read only the settings they were given', () => {
  it('an Object.prototype.url does not choose the Redis that holds the approvals', () => {
    Object.defineProperty(Object.prototype, 'url', {
      value: 'redis://attacker.example:6379',
      configurable: true,
      writable: true,
    });
    const env = { REDIS_URL: 'redis://127.0.0.1:6379' };
    expect(parseRedisApprovalStoreConfig({}, env).target).toMatchObject({ kind: 'url', url: 'redis://127.0.0.1:6379' });
    expect(parseRedisRateLimiterConfig({}, env).target).toMatchObject({ kind: 'url', url: 'redis://127.0.0.1:6379' });
  });
});
