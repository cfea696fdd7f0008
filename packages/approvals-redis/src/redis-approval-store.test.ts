import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createRedisApprovalStore } from './redis-approval-store.js';
import { parseRedisApprovalStoreConfig } from './redis-config.js';
import { createRedisRateLimiter } from './redis-rate-limiter.js';

describe('createRedisApprovalStore(config)', () => {
  it('throws INVALID_INPUT naming the field for a bad keyPrefix, retention or both redis and url', () => {
    expect(() => createRedisApprovalStore({ url: 'redis://x', keyPrefix: 'bad prefix*' })).toThrow(/keyPrefix/);
    expect(() => createRedisApprovalStore({ url: 'redis://x', keyPrefix: '{tagged}:' })).toThrow(/keyPrefix/);
    expect(() => createRedisApprovalStore({ url: 'redis://x', clusterNodes: [{ host: 'h', port: 1 }] })).toThrow(
      /clusterNodes: give only one/,
    );
    expect(() => createRedisApprovalStore({ url: 'redis://x', retainDecidedFor: '-1d' })).toThrow(/retainDecidedFor/);
    for (const holdApprovedFor of [0, '31d', 'forever', null as unknown as string]) {
      expect(() => createRedisApprovalStore({ url: 'redis://x', holdApprovedFor })).toThrow(/holdApprovedFor/);
    }
    expect(() => createRedisApprovalStore({ url: 'http://x' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('takes maxPending and maxPendingPerRequester as positive integers or null (no bound), naming the field otherwise', () => {
    expect(parseRedisApprovalStoreConfig({ url: 'redis://x' })).toMatchObject({
      maxPending: 0,
      maxPendingPerRequester: 0,
    });
    expect(
      parseRedisApprovalStoreConfig({ url: 'redis://x', maxPending: 1000, maxPendingPerRequester: null }),
    ).toMatchObject({ maxPending: 1000, maxPendingPerRequester: 0 });
    for (const bad of [0, -1, 1.5, '10', Number.NaN]) {
      expect(() => createRedisApprovalStore({ url: 'redis://x', maxPending: bad as number })).toThrow(/maxPending/);
      expect(() => createRedisApprovalStore({ url: 'redis://x', maxPendingPerRequester: bad as number })).toThrow(
        /maxPendingPerRequester/,
      );
    }
  });

  it('waits for one replica per write on Sentinel by default (a failover loses what no replica holds), never on Cluster', () => {
    const sentinel = { sentinels: [{ host: 'h', port: 1 }], sentinelMasterName: 'warden' };
    expect(parseRedisApprovalStoreConfig(sentinel).minReplicaAcks).toBe(1);
    expect(parseRedisApprovalStoreConfig({ ...sentinel, minReplicaAcks: 2 }).minReplicaAcks).toBe(2);
    expect(parseRedisApprovalStoreConfig({ url: 'redis://x' }).minReplicaAcks).toBe(0);
    expect(parseRedisApprovalStoreConfig({ url: 'redis://x', minReplicaAcks: 1 }).minReplicaAcks).toBe(1);
    expect(
      parseRedisApprovalStoreConfig({ clusterNodes: [{ host: 'h', port: 1 }], minReplicaAcks: 1 }).minReplicaAcks,
    ).toBe(0);
    for (const minReplicaAcks of [-1, 1.5, 101]) {
      expect(() => createRedisApprovalStore({ url: 'redis://x', minReplicaAcks })).toThrow(/minReplicaAcks/);
    }
  });

  it('throws INVALID_INPUT when neither url, REDIS_URL nor redis is given', () => {
    const saved = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    try {
      expect(() => createRedisApprovalStore({})).toThrow(/url/);
    } finally {
      if (saved !== undefined) process.env.REDIS_URL = saved;
    }
  });

  it('does no I/O when created, and get(id) against a dead server throws BACKEND_UNAVAILABLE', async () => {
    const store = createRedisApprovalStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 200 });
    await expect(store.get('req-1')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'redis' });
    await store.close();
  });
});

describe('a Redis URL that cannot be parsed, holding a password (whoever reads errors and logs)', () => {
  const url = 'redis://warden:hunter2-secret@[::1';
  const thrownBy = (create: () => unknown): unknown => {
    try {
      create();
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('createRedisApprovalStore({ url }) and createRedisRateLimiter({ url }) throw INVALID_INPUT naming url, without the password', () => {
    for (const thrown of [
      thrownBy(() => createRedisApprovalStore({ url })),
      thrownBy(() => createRedisRateLimiter({ url })),
    ]) {
      expect(thrown).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('url') });
      expect(inspect(thrown, { depth: 10 })).not.toContain('hunter2-secret');
    }
  });

  it('createRedisApprovalStore({}) with such a REDIS_URL throws INVALID_INPUT, without the password', () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = url;
    try {
      const thrown = thrownBy(() => createRedisApprovalStore({}));
      expect(thrown).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('url') });
      expect(inspect(thrown, { depth: 10 })).not.toContain('hunter2-secret');
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });
});

describe('createRedisRateLimiter(config)', () => {
  it('consume(key, limit) with a zero limit throws INVALID_INPUT before touching Redis', async () => {
    const limiter = createRedisRateLimiter({ url: 'redis://127.0.0.1:1' });
    await expect(limiter.consume('k', { limit: 0, windowMs: 1_000 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await limiter.close();
  });
});
