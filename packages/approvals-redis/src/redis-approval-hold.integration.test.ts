import { randomUUID } from 'node:crypto';
import { createApprovalWorkflow } from '@warden/approvals';
import { describeWithService } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { deleteKeysUnder } from '../test/redis-test-keys.js';
import { createRedisApprovalStore, type RedisApprovalStore } from './redis-approval-store.js';

const EXECUTORS = 20;

describeWithService('redis', 'approved requests held awaiting execution (Redis)', (redisUrl) => {
  let prefix: string;
  let redis: Redis;
  const stores: RedisApprovalStore[] = [];

  beforeEach(async () => {
    prefix = `warden-test:approvals:hold-${randomUUID()}:`;
    redis = new Redis(redisUrl, { lazyConnect: true });
    await redis.connect();
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    redis.disconnect();
    await deleteKeysUnder(redisUrl, prefix);
  });

  const storeOf = (holdApprovedFor: string | number): RedisApprovalStore => {
    const store = createRedisApprovalStore({ url: redisUrl, keyPrefix: prefix, holdApprovedFor });
    stores.push(store);
    return store;
  };

  it('an attacker replaying an approval given long ago is refused with APPROVAL_NOT_FOUND, and the held record is gone from Redis', async () => {
    const workflow = createApprovalWorkflow({ store: storeOf(40) });
    const id = await workflow.request({ requester: 'agent', description: 'deploy', payload: { op: 'deploy' } });
    expect(await workflow.approve(id, 'operator')).toBe('approved');
    const key = `${prefix}{${id}}:request`;
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(0); // a Redis TTL: an unexecuted approval never piles up
    expect(ttl).toBeLessThanOrEqual(40);
    // Wait (by Redis's own clock) until the hold is over, then try to execute.
    await expect.poll(() => redis.exists(key), { timeout: 90_000, interval: 10 }).toBe(0);
    await expect(workflow.isApprovedFor(id, { op: 'deploy' })).rejects.toMatchObject({ code: 'APPROVAL_NOT_FOUND' });
    await expect(workflow.get(id)).rejects.toMatchObject({ code: 'APPROVAL_NOT_FOUND' });
  });

  it('a held record whose hold is over is refused by the read script itself (fail closed), even if its Redis TTL was removed', async () => {
    const store = storeOf('1h');
    const workflow = createApprovalWorkflow({ store });
    const id = await workflow.request({ requester: 'agent', description: 'deploy' });
    await workflow.approve(id, 'operator');
    const key = `${prefix}{${id}}:request`;
    // Someone with Redis access strips the TTL (PERSIST) and backdates nothing: the record stays valid.
    await redis.persist(key);
    expect(await workflow.isApprovedFor(id, undefined)).toBe(true);
    // The hold deadline written at approval time is what counts: move it into the past.
    await redis.hset(key, 'heldUntil', '1');
    await expect(workflow.isApprovedFor(id, undefined)).rejects.toMatchObject({ code: 'APPROVAL_NOT_FOUND' });
    expect(await redis.exists(key)).toBe(0);
    // An approved record without a hold deadline (written by anyone but this store) is refused too.
    const other = await workflow.request({ requester: 'agent', description: 'deploy' });
    await workflow.approve(other, 'operator');
    await redis.hdel(`${prefix}{${other}}:request`, 'heldUntil');
    await expect(workflow.isApprovedFor(other, undefined)).rejects.toMatchObject({ code: 'APPROVAL_NOT_FOUND' });
  });

  it(`${EXECUTORS} executors racing at the expiry boundary: none sees the approval after any has seen it expired`, async () => {
    const holdMs = 150;
    const executors = Array.from({ length: EXECUTORS }, () => createApprovalWorkflow({ store: storeOf(holdMs) }));
    const [first] = executors;
    if (!first) throw new Error('no executor');
    const id = await first.request({ requester: 'agent', description: 'deploy', payload: { op: 'deploy' } });
    await first.approve(id, 'operator');
    // Each result is stamped with the order in which it was started and settled, in this process.
    let clock = 0;
    let firstRefusalSettledAt = Number.POSITIVE_INFINITY;
    const approvedStartedAfterRefusal: number[] = [];
    let approvedCount = 0;
    await Promise.all(
      executors.map(async (executor) => {
        for (;;) {
          const startedAt = clock++;
          const outcome = await executor.isApprovedFor(id, { op: 'deploy' }).then(
            (approved) => (approved ? 'approved' : 'not-approved'),
            (error: { code?: string }) => error.code ?? 'error',
          );
          const settledAt = clock++;
          if (outcome === 'approved') {
            approvedCount++;
            if (startedAt > firstRefusalSettledAt) approvedStartedAfterRefusal.push(startedAt);
            continue;
          }
          expect(outcome).toBe('APPROVAL_NOT_FOUND');
          firstRefusalSettledAt = Math.min(firstRefusalSettledAt, settledAt);
          return;
        }
      }),
    );
    console.info(`hold race: ${approvedCount} reads approved before expiry, then ${EXECUTORS} executors refused`);
    expect(approvedStartedAfterRefusal).toEqual([]);
    for (const executor of executors) {
      await expect(executor.isApprovedFor(id, { op: 'deploy' })).rejects.toMatchObject({ code: 'APPROVAL_NOT_FOUND' });
    }
    expect(await redis.exists(`${prefix}{${id}}:request`)).toBe(0);
  });
});
