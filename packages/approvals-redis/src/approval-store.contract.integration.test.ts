import { randomUUID } from 'node:crypto';
import { runApprovalStoreContract } from '@warden/contract-tests';
import { describeWithService } from '@warden/testing';
import { deleteKeysUnder } from '../test/redis-test-keys.js';
import { createRedisApprovalStore, type RedisApprovalStore } from './redis-approval-store.js';

describeWithService('redis', 'Redis approval store: ApprovalStore contract', (redisUrl) => {
  runApprovalStoreContract({
    name: 'redis',
    createSubject: async () => {
      const prefix = `warden-test:approval-store:${randomUUID()}:`;
      const subject = createRedisApprovalStore({ url: redisUrl, keyPrefix: prefix });
      const cleanup = async () => {
        await subject.close();
        await deleteKeysUnder(redisUrl, prefix);
      };
      return { subject, cleanup };
    },
    // A second process opening the same prefix.
    createPeer: async (subject) => {
      const peer = createRedisApprovalStore({ url: redisUrl, keyPrefix: (subject as RedisApprovalStore).keyPrefix });
      return { subject: peer, cleanup: () => peer.close() };
    },
    capabilities: { crossInstance: true },
  });
});
