import { randomUUID } from 'node:crypto';
import { createApprovalWorkflow } from '@warden/approvals';
import { APPROVAL_CONTRACT_TTL_MS, runApprovalWorkflowContract } from '@warden/contract-tests';
import { describeWithService } from '@warden/testing';
import { deleteKeysUnder } from '../test/redis-test-keys.js';
import { createRedisApprovalStore } from './redis-approval-store.js';

const ttl = APPROVAL_CONTRACT_TTL_MS;

describeWithService('redis', 'Redis approval store contract', (redisUrl) => {
  runApprovalWorkflowContract({
    name: 'redis store',
    createSubject: async () => {
      let time = Date.UTC(2026, 0, 1);
      const prefix = `warden-test:approvals:${randomUUID()}:`;
      const store = createRedisApprovalStore({ url: redisUrl, prefix });
      const workflow = createApprovalWorkflow({
        store,
        now: () => time,
        tiers: { auto: { ttl }, 'peer-review': { ttl }, 'team-lead': { ttl }, 'security-review': { ttl } },
      });
      const clock = {
        advance: (ms: number) => {
          time += ms;
        },
      };
      const cleanup = async () => {
        await store.close();
        await deleteKeysUnder(redisUrl, prefix);
      };
      return { subject: workflow, clock, cleanup };
    },
  });
});
