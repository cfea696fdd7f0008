import { createApprovalWorkflow } from '@warden/approvals';
import { BackendUnavailableError } from '@warden/core';
import { describeWithService } from '@warden/testing';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type PrivateCluster, startPrivateCluster } from '../test/private-cluster.js';
import { createRedisApprovalStore, type RedisApprovalStore } from './redis-approval-store.js';
import { createRedisRateLimiter, type RedisRateLimiter } from './redis-rate-limiter.js';

const COMMAND_TIMEOUT_MS = 300;
const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * A call cut off by a lost connection is reported as failed; it must not be carried out later.
 * The write waits on the server (writes paused) when its connection drops. ioredis's Cluster
 * client retries a command whose connection closed on a fresh one (its `retryDelayOnFailover`),
 * whatever `autoResendUnfulfilledCommands` says: the copy ran once writes resumed.
 */
describeWithService('redis', 'Redis approvals and rate limiter: a call cut off by a lost Cluster connection', () => {
  let cluster: PrivateCluster;
  let store: RedisApprovalStore | undefined;
  let limiter: RedisRateLimiter | undefined;

  beforeEach(async () => {
    cluster = await startPrivateCluster();
  });

  afterEach(async () => {
    await store?.close();
    await limiter?.close();
    store = undefined;
    limiter = undefined;
    await cluster.dispose();
  });

  /**
   * Pauses writes on the node of `key`, runs `call` (whose writes then wait on the server), drops
   * every client connection to that node, resumes writes and leaves time for a resent copy to run.
   */
  const cutOff = async <Result>(
    key: string,
    call: () => Promise<Result>,
  ): Promise<{ error: unknown; admin: Redis }> => {
    const admin = await cluster.adminFor(key);
    await admin.call('CLIENT', 'PAUSE', '10000', 'WRITE');
    const outcome = call().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    await sleep(100);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    const error = await outcome;
    await admin.call('CLIENT', 'UNPAUSE');
    await sleep(COMMAND_TIMEOUT_MS * 3);
    return { error, admin };
  };

  it('the approve() that would reach the quorum, reported as failed, is not carried out later: the request stays pending', async () => {
    store = createRedisApprovalStore({
      clusterNodes: cluster.nodes,
      keyPrefix: 'lost:approvals:',
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
    const payload = { command: 'deploy', target: 'prod' };
    const id = await createApprovalWorkflow({ store }).request({
      requester: 'alice',
      description: 'deploy',
      tier: 'security-review',
      payload,
    });
    // Only the compare-and-set is cut off: the read before it must get through.
    let cutOffNext: ((write: () => Promise<boolean>) => Promise<boolean>) | undefined;
    const inner = store;
    const workflow = createApprovalWorkflow({
      store: {
        ...inner,
        compareAndSet: (...args) => {
          const write = () => inner.compareAndSet(...args);
          const cut = cutOffNext;
          cutOffNext = undefined;
          return cut ? cut(write) : write();
        },
      },
    });
    // The first approval gets through (and leaves the scripts in the node's cache).
    expect(await workflow.approve(id, 'sam')).toBe('pending');
    let error: unknown;
    cutOffNext = async (write) => {
      const outcome = await cutOff(`lost:approvals:{${id}}:request`, write);
      error = outcome.error;
      throw outcome.error;
    };
    const thrown = await workflow.approve(id, 'sue').catch((caught: unknown) => caught);
    expect(thrown).toBe(error);
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect(await workflow.get(id)).toMatchObject({ status: 'pending', decisions: [{ approver: 'sam' }] });
    expect(await workflow.isApprovedFor(id, payload)).toBe(false);
  });

  it('a consume() reported as failed (refused) is not counted later', async () => {
    const rated = createRedisRateLimiter({
      clusterNodes: cluster.nodes,
      keyPrefix: 'lost:rate:',
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
    limiter = rated;
    const limit = { limit: 2, windowMs: 60_000 };
    expect(await rated.consume('peer', limit)).toMatchObject({ allowed: true, remaining: 1 });
    const { error, admin } = await cutOff('lost:rate:peer', () => rated.consume('peer', limit));
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect(await admin.get('lost:rate:peer')).toBe('1');
    expect(await rated.consume('peer', limit)).toMatchObject({ allowed: true, remaining: 0 });
  });
});
