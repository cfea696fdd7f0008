import { createApprovalWorkflow } from '@warden/approvals';
import { BackendUnavailableError } from '@warden/core';
import { describeWithService, type RedisSentinelSetHandle, startRedisSentinelSet } from '@warden/testing';
import { afterEach, expect, it, vi } from 'vitest';
import { createRedisApprovalStore, type RedisApprovalStore } from './redis-approval-store.js';

/**
 * Replication is asynchronous: a master answers a write before its replica holds it, and a
 * failover right then promotes a replica without it. So on Sentinel a write counts as done only
 * once a replica acknowledged it (`WAIT`); here the replica is frozen (SIGSTOP), so none can.
 */
describeWithService('redis', 'Redis approvals on Sentinel: a write no replica holds is not reported as done', () => {
  let set: RedisSentinelSetHandle | undefined;
  let store: RedisApprovalStore | undefined;

  afterEach(async () => {
    await store?.close();
    await set?.dispose();
  });

  it('a rejection no replica acknowledged is reported as failed, not as rejected (a failover could lose it)', async () => {
    set = await startRedisSentinelSet();
    store = createRedisApprovalStore({
      sentinels: set.sentinels,
      sentinelMasterName: set.masterName,
      keyPrefix: 'failover:approvals:',
      commandTimeoutMs: 1_000,
    });
    const workflow = createApprovalWorkflow({ store });
    // Right after the set starts the replica may still be syncing: retry until it acknowledges.
    const id = await vi.waitFor(
      () => workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' }),
      { timeout: 30_000, interval: 200 },
    );

    await set.freezeReplica();
    const reported = await workflow.reject(id, 'carol', 'no ticket').catch((caught: unknown) => caught);
    set.thawReplica();

    expect(BackendUnavailableError.isInstance(reported)).toBe(true);
    expect((reported as Error).message).toMatch(/0 of 1 replicas acknowledged it.*read the request again/);
  });
});
