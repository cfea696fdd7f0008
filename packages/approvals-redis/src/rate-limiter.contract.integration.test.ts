import { randomUUID } from 'node:crypto';
import { runRateLimiterContract } from '@warden/contract-tests';
import { describeWithService } from '@warden/testing';
import { deleteKeysUnder } from '../test/redis-test-keys.js';
import { createRedisRateLimiter } from './redis-rate-limiter.js';

describeWithService('redis', 'Redis rate limiter: RateLimiter contract', (redisUrl) => {
  const prefixes = new WeakMap<object, string>();
  runRateLimiterContract({
    name: 'redis',
    createSubject: async () => {
      const prefix = `warden-test:rate:${randomUUID()}:`;
      const subject = createRedisRateLimiter({ url: redisUrl, keyPrefix: prefix });
      prefixes.set(subject, prefix);
      const cleanup = async () => {
        await subject.close();
        await deleteKeysUnder(redisUrl, prefix);
      };
      return { subject, cleanup };
    },
    // A second process opening the same prefix.
    createPeer: async (subject) => {
      const peer = createRedisRateLimiter({ url: redisUrl, keyPrefix: prefixes.get(subject) });
      return { subject: peer, cleanup: () => peer.close() };
    },
    // Redis times the windows itself (key expiry), so no injected clock.
    capabilities: { clock: false, crossInstance: true },
  });
});
