import { randomUUID } from 'node:crypto';
import { createApprovalWorkflow } from '@warden/approvals';
import type { ApprovalRecord } from '@warden/core';
import { describeWithService } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { deleteKeysUnder } from '../test/redis-test-keys.js';
import { createRedisApprovalStore, type RedisApprovalStore } from './redis-approval-store.js';

function recordOf(overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    id: `req-${randomUUID()}`,
    requester: 'alice',
    description: 'deploy',
    tier: 'peer-review',
    status: 'pending',
    quorum: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: null,
    decisions: [],
    version: 1,
    ...overrides,
  };
}

describeWithService('redis', 'createRedisApprovalStore()', (redisUrl) => {
  let prefix: string;
  let redis: Redis;
  let store: RedisApprovalStore;

  beforeEach(async () => {
    prefix = `warden-test:approvals:${randomUUID()}:`;
    redis = new Redis(redisUrl, { lazyConnect: true });
    await redis.connect();
    store = createRedisApprovalStore({ redis, keyPrefix: prefix, retainDecidedFor: '1h' });
  });

  afterEach(async () => {
    await store.close();
    redis.disconnect();
    await deleteKeysUnder(redisUrl, prefix);
  });

  it('create(record) twice throws CONFLICT and keeps the first', async () => {
    const record = recordOf();
    await store.create(record);
    await expect(store.create({ ...record, description: 'other' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await store.get(record.id))?.description).toBe('deploy');
  });

  it('compareAndSet(id, version, next) writes only over the expected version and moves the indexes', async () => {
    const record = recordOf({ tier: 'team-lead' });
    await store.create(record);
    expect(await redis.zrange(`${prefix}{index}:pending:tier:team-lead`, '0', '-1')).toEqual([record.id]);
    const escalated = { ...record, tier: 'security-review' as const, version: 2 };
    expect(await store.compareAndSet(record.id, 1, escalated)).toBe(true);
    expect(await store.compareAndSet(record.id, 1, { ...escalated, status: 'approved' })).toBe(false);
    expect(await redis.zrange(`${prefix}{index}:pending:tier:team-lead`, '0', '-1')).toEqual([]);
    expect(await redis.zrange(`${prefix}{index}:pending:tier:security-review`, '0', '-1')).toEqual([record.id]);
    expect(await store.compareAndSet(record.id, 2, { ...escalated, status: 'approved', version: 3 })).toBe(true);
    expect(await redis.exists(`${prefix}{index}:pending`, `${prefix}{index}:pending:tier:security-review`)).toBe(0);
    expect(await redis.zcard(`${prefix}{index}:pending:requester:alice`)).toBe(0);
  });

  it('compareAndSet(id, version, next) refuses a next version that is not version + 1', async () => {
    const record = recordOf();
    await store.create(record);
    expect(await store.compareAndSet(record.id, 1, { ...record, version: 5 })).toBe(false);
  });

  it('listPending(filter) reads the tier and requester indexes, oldest first', async () => {
    const older = recordOf({ requester: 'a:b c', createdAt: '2026-01-01T00:00:00.000Z' });
    const newer = recordOf({ requester: 'a:b c', tier: 'team-lead', createdAt: '2026-01-01T00:00:01.000Z' });
    const other = recordOf({ requester: 'bob', createdAt: '2026-01-01T00:00:02.000Z' });
    for (const record of [newer, other, older]) await store.create(record);
    const ids = async (filter?: object) => (await store.listPending(filter)).map((record) => record.id);
    expect(await ids()).toEqual([older.id, newer.id, other.id]);
    expect(await ids({ requester: 'a:b c' })).toEqual([older.id, newer.id]);
    expect(await ids({ tier: 'peer-review' })).toEqual([older.id, other.id]);
    expect(await ids({ requester: 'a:b c', tier: 'team-lead' })).toEqual([newer.id]);
    expect(await ids({ requester: 'a' })).toEqual([]);
  });

  it('create(record) and listPending({ requester }) take a requester with a lone surrogate (a peer’s broken key), as the memory store does', async () => {
    const record = recordOf({ requester: 'p2p:key\ud800' });
    await store.create(record);
    expect((await store.listPending({ requester: 'p2p:key\ud800' })).map((found) => found.id)).toEqual([record.id]);
    expect(await store.listPending({ requester: 'p2p:key\udc00' })).toEqual([]);
    expect(await store.compareAndSet(record.id, 1, { ...record, status: 'rejected', version: 2 })).toBe(true);
    expect(await store.listPending({ requester: 'p2p:key\ud800' })).toEqual([]);
  });

  it('compareAndSet(id, version, rejected) gives the record its retention TTL in the same write, with no read', async () => {
    const record = recordOf();
    await store.create(record);
    const key = `${prefix}{${record.id}}:request`;
    await store.get(record.id);
    expect(await redis.pttl(key)).toBe(-1); // pending: never a TTL
    await store.compareAndSet(record.id, 1, { ...record, status: 'rejected', reason: 'no', version: 2 });
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });

  it('a record decided by a store that keeps records for ever (the CLI) starts its retention at its first read here', async () => {
    const forever = createRedisApprovalStore({ redis, keyPrefix: prefix, retainDecidedFor: null });
    const record = recordOf();
    await forever.create(record);
    await forever.compareAndSet(record.id, 1, { ...record, status: 'rejected', reason: 'no', version: 2 });
    const key = `${prefix}{${record.id}}:request`;
    expect(await redis.pttl(key)).toBe(-1);
    expect((await store.get(record.id))?.reason).toBe('no');
    expect(await redis.pttl(key)).toBeGreaterThan(3_500_000);
  });

  it('a flood of requests rejected, or expired by a direct get(), is deleted by Redis retainDecidedFor later, with no listing or read in between', async () => {
    let time = Date.UTC(2026, 0, 1);
    const shortRetention = createRedisApprovalStore({ redis, keyPrefix: prefix, retainDecidedFor: 200 });
    const workflow = createApprovalWorkflow({ store: shortRetention, now: () => time });
    const file = () => workflow.request({ requester: 'p2p:self-made', description: 'flood', tier: 'peer-review' });
    const rejected = await Promise.all(Array.from({ length: 5 }, file));
    const expired = await Promise.all(Array.from({ length: 5 }, file));
    for (const id of rejected) expect(await workflow.reject(id, 'operator', 'spam')).toBe('rejected');
    time += 25 * 3_600_000; // past the 24 h TTL
    for (const id of expired) expect((await workflow.get(id)).status).toBe('expired');
    const keys = [...rejected, ...expired].map((id) => `${prefix}{${id}}:request`);
    // Redis's own clock ends the retention: no call of the store touches these records again.
    await expect.poll(() => redis.exists(...keys), { timeout: 90_000, interval: 20 }).toBe(0);
  });

  it('get(id) of a record a fault or a stray writer left unreadable throws BACKEND_UNAVAILABLE, not a SyntaxError', async () => {
    const record = recordOf();
    await store.create(record);
    const key = `${prefix}{${record.id}}:request`;
    await redis.hset(key, 'data', '{"id":"truncated');
    await expect(store.get(record.id)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'redis' });
  });

  it('get(id) of another request’s record copied under this id throws BACKEND_UNAVAILABLE', async () => {
    const record = recordOf();
    const other = recordOf({ status: 'approved' });
    await store.create(record);
    await redis.hset(`${prefix}{${record.id}}:request`, 'data', JSON.stringify(other));
    await expect(store.get(record.id)).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'redis' });
  });

  it.each(['listPending', 'expireDue'] as const)(
    'a request the workflow expires in %s() gets its retention TTL (a flood left to expire is not kept for ever)',
    async (sweep) => {
      let time = Date.UTC(2026, 0, 1);
      const workflow = createApprovalWorkflow({ store, now: () => time });
      const id = await workflow.request({ requester: 'p2p:self-made', description: 'flood', tier: 'peer-review' });
      time += 25 * 3_600_000; // past the 24 h TTL
      await workflow[sweep]();
      const ttl = await redis.pttl(`${prefix}{${id}}:request`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(3_600_000);
    },
  );

  it('never closes an injected client', async () => {
    await store.get('nothing');
    await store.close();
    expect(await redis.ping()).toBe('PONG');
  });

  it('opens and closes its own connection when given a url', async () => {
    const own = createRedisApprovalStore({ url: redisUrl, keyPrefix: prefix });
    const record = recordOf();
    await own.create(record);
    expect((await own.get(record.id))?.id).toBe(record.id);
    await own.close();
  });
});
