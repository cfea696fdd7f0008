import { randomUUID } from 'node:crypto';
import { createApprovalWorkflow } from '@warden/approvals';
import { APPROVAL_CONTRACT_TTL_MS, runApprovalWorkflowContract } from '@warden/contract-tests';
import { createSecurityEventEmitter, type SecurityEvent } from '@warden/core';
import { deleteRedisKeys, describeWithRedisTopologies } from '@warden/testing';
import { createRedisApprovalStore } from './redis-approval-store.js';

const ttl = APPROVAL_CONTRACT_TTL_MS;

describeWithRedisTopologies('Redis approval store contract', (topology) => {
  runApprovalWorkflowContract({
    name: `redis store (${topology.name})`,
    createSubject: async () => {
      let time = Date.UTC(2026, 0, 1);
      const events: SecurityEvent[] = [];
      const emitter = createSecurityEventEmitter({ now: () => time });
      emitter.on('security', (event) => events.push(event));
      const keyPrefix = `warden-test:approvals:${randomUUID()}:`;
      const store = createRedisApprovalStore({ ...topology.connection, keyPrefix });
      const workflow = createApprovalWorkflow({
        store,
        now: () => time,
        events: emitter,
        tiers: { auto: { ttl }, 'peer-review': { ttl }, 'team-lead': { ttl }, 'security-review': { ttl } },
      });
      const clock = {
        advance: (ms: number) => {
          time += ms;
        },
      };
      const cleanup = async () => {
        await store.close();
        const client = await topology.connect();
        await deleteRedisKeys(client, `${keyPrefix}*`);
        client.disconnect();
      };
      return { subject: workflow, clock, events, cleanup };
    },
  });
});
