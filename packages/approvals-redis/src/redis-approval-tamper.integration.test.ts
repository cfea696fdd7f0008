import { randomUUID } from 'node:crypto';
import { createApprovalWorkflow } from '@warden/approvals';
import { describeWithService } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteKeysUnder } from '../test/redis-test-keys.js';
import { createRedisApprovalStore, type RedisApprovalStore } from './redis-approval-store.js';

/**
 * Anyone who can write to Redis, and faults (a partial write, another program sharing the
 * database): a record that is not what this store writes must fail closed with a typed error,
 * never answer as an approval.
 */
describeWithService('redis', 'a tampered or malformed approval record in Redis', (redisUrl) => {
  let prefix: string;
  let redis: Redis;
  let store: RedisApprovalStore;

  beforeEach(async () => {
    prefix = `warden-test:approvals:tamper-${randomUUID()}:`;
    redis = new Redis(redisUrl, { lazyConnect: true });
    await redis.connect();
    store = createRedisApprovalStore({ redis, keyPrefix: prefix });
  });

  afterEach(async () => {
    await store.close();
    redis.disconnect();
    await deleteKeysUnder(redisUrl, prefix);
  });

  /** Files a pending request and returns its id, its Redis key and its stored JSON. */
  const fileRequest = async (payload?: unknown) => {
    const workflow = createApprovalWorkflow({ store });
    const id = await workflow.request({ requester: 'agent', description: 'deploy', tier: 'peer-review', payload });
    const key = `${prefix}{${id}}:request`;
    const stored = JSON.parse((await redis.hget(key, 'data')) ?? 'null') as Record<string, unknown>;
    return { workflow, id, key, stored };
  };

  const malformedShapes: ReadonlyArray<readonly [string, (stored: Record<string, unknown>) => unknown]> = [
    ['approved with no decisions, quorum or tier', (stored) => ({ id: stored.id, version: 1, status: 'approved' })],
    ['approved with decisions that are a string', (stored) => ({ ...stored, status: 'approved', decisions: 'bob' })],
    ['a status no workflow knows', (stored) => ({ ...stored, status: 'APPROVED' })],
    ['a quorum that is a string', (stored) => ({ ...stored, quorum: '0' })],
    ['a decision without an approver', (stored) => ({ ...stored, decisions: [{ decision: 'approve', at: 'x' }] })],
    ['a version that is not a whole number', (stored) => ({ ...stored, version: 1.5 })],
    ['an array', (stored) => [stored]],
    ['null', () => null],
  ];

  describe.each(malformedShapes)('a record rewritten as %s', (_what, rewrite) => {
    it('get(id), isApprovedFor(id, payload) and approve(id, approver) throw BACKEND_UNAVAILABLE, never approve', async () => {
      const { workflow, id, key, stored } = await fileRequest();
      await redis.hset(key, 'data', JSON.stringify(rewrite(stored)));
      await expect(store.get(id)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'redis' });
      await expect(workflow.isApprovedFor(id, undefined)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      await expect(workflow.approve(id, 'bob')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    });
  });

  it('a record whose data says approved while its hash says pending (no hold stamped) throws BACKEND_UNAVAILABLE', async () => {
    const { workflow, id, key, stored } = await fileRequest();
    const approved = {
      ...stored,
      status: 'approved',
      decisions: [{ approver: 'bob', decision: 'approve', at: stored.createdAt, tier: 'peer-review' }],
      decidedAt: stored.createdAt,
      decidedBy: 'bob',
    };
    // Left "pending" in the hash, the hold check never sees an approval, so it would never end.
    await redis.hset(key, 'data', JSON.stringify(approved));
    await expect(store.get(id)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'redis' });
    await expect(workflow.isApprovedFor(id, undefined)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('a record whose data and hash disagree on the version throws BACKEND_UNAVAILABLE, not CONFLICT after 100 attempts', async () => {
    const { workflow, id, key } = await fileRequest();
    await redis.hset(key, 'version', '7');
    await expect(workflow.approve(id, 'bob')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('listPending() with a malformed pending record throws BACKEND_UNAVAILABLE', async () => {
    const { workflow, key, stored } = await fileRequest();
    await redis.hset(key, 'data', JSON.stringify({ ...stored, decisions: 'none' }));
    await expect(workflow.listPending()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });

  it('a request key that holds a string instead of a hash throws BACKEND_UNAVAILABLE', async () => {
    const { workflow, id, key } = await fileRequest();
    await redis.del(key);
    await redis.set(key, JSON.stringify({ id, status: 'approved' }));
    await expect(store.get(id)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'redis' });
    await expect(workflow.isApprovedFor(id, undefined)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
});
