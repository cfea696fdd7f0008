import { randomUUID } from 'node:crypto';
import { createApprovalWorkflow } from '@warden/approvals';
import { deleteRedisKeys, describeWithRedisTopologies } from '@warden/testing';
import { expect, it } from 'vitest';
import { createRedisApprovalStore } from './redis-approval-store.js';

describeWithRedisTopologies('pending-request bounds over the Redis store', (topology) => {
  it('a peer filing 20 requests at once past maxPendingPerRequester gets QUOTA_EXCEEDED, and nothing filed is evicted', async () => {
    const keyPrefix = `warden-test:approvals:bounds-${randomUUID()}:`;
    const store = createRedisApprovalStore({ ...topology.connection, keyPrefix });
    try {
      const workflow = createApprovalWorkflow({ store, maxPendingPerRequester: 3, maxPending: 5 });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, index) =>
          workflow.request({ requester: index % 2 ? 'peer' : 'Peer ', description: `flood ${index}` }),
        ),
      );
      const filed = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      expect(filed).toHaveLength(3);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'QUOTA_EXCEEDED' });
      }
      await workflow.request({ requester: 'alice', description: 'deploy' });
      await workflow.request({ requester: 'bob', description: 'deploy' });
      await expect(workflow.request({ requester: 'carol', description: 'deploy' })).rejects.toMatchObject({
        code: 'QUOTA_EXCEEDED',
      });
      expect(await workflow.listPending()).toHaveLength(5);
      for (const id of filed) expect(await workflow.getStatus(id)).toBe('pending');
    } finally {
      await store.close();
      const client = await topology.connect();
      await deleteRedisKeys(client, `${keyPrefix}*`);
      client.disconnect();
    }
  });
});
