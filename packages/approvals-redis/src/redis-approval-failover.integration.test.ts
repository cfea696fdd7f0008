import { createApprovalWorkflow } from '@warden/approvals';
import { BackendUnavailableError } from '@warden/core';
import { describeWithService, type RedisSentinelSetHandle, startRedisSentinelSet } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { type FreezableProxy, startFreezableProxy } from '../test/freezable-proxy.js';
import { createRedisApprovalStore, type RedisApprovalStore } from './redis-approval-store.js';

const PREFIX = 'failover:approvals:';

/**
 * Replication is asynchronous: a master answers a write before its replica holds it. Here the
 * replica's link stalls (it replicates through a proxy that stops passing bytes), a rejection is
 * written, the master dies and Sentinel promotes the replica. An acknowledged rejection must
 * survive that; one the replica never got must not be reported as done.
 */
describeWithService('redis', 'Redis approvals: a failover after a write the replica never got', () => {
  let set: RedisSentinelSetHandle | undefined;
  let proxy: FreezableProxy | undefined;
  let store: RedisApprovalStore | undefined;
  const clients: Redis[] = [];

  afterEach(async () => {
    await store?.close();
    for (const client of clients.splice(0)) client.disconnect();
    await proxy?.close();
    await set?.dispose();
  });

  const connect = (port: number): Redis => {
    const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    clients.push(client);
    return client;
  };

  it('a rejection no replica acknowledged is reported as failed, not as rejected (the failover loses it)', async () => {
    set = await startRedisSentinelSet();
    const master = connect(await set.masterPort());
    const replicaPort = Number(/slave0:ip=[^,]+,port=(\d+)/.exec(await master.info('replication'))?.[1]);
    const replica = connect(replicaPort);
    proxy = await startFreezableProxy(await set.masterPort());
    const throughProxy = new RegExp(`master_port:${proxy.port}\\r\\nmaster_link_status:up`);
    // Sentinel may point the replica back at the master it knows: point it at the proxy again.
    await vi.waitFor(
      async () => {
        const info = await replica.info('replication');
        if (!info.includes(`master_port:${proxy?.port}`)) await replica.replicaof('127.0.0.1', String(proxy?.port));
        expect(info).toMatch(throughProxy);
      },
      { timeout: 20_000, interval: 50 },
    );

    store = createRedisApprovalStore({
      sentinels: set.sentinels,
      sentinelMasterName: set.masterName,
      keyPrefix: PREFIX,
      commandTimeoutMs: 1_000,
    });
    const workflow = createApprovalWorkflow({ store });
    const id = await workflow.request({ requester: 'alice', description: 'deploy', tier: 'peer-review' });
    await vi.waitFor(async () => expect(await replica.exists(`${PREFIX}{${id}}:request`)).toBe(1), { timeout: 5_000 });

    proxy.freeze();
    const reported = await workflow.reject(id, 'carol', 'no ticket').catch((caught: unknown) => caught);
    // The scenario happened: the replica still follows the (stalled) proxy, and lacks the rejection.
    expect(await replica.info('replication')).toMatch(throughProxy);
    expect(await replica.hget(`${PREFIX}{${id}}:request`, 'status')).toBe('pending');
    const killed = await set.killMaster();
    await vi.waitFor(async () => expect(await set?.masterPort()).not.toBe(killed), { timeout: 30_000, interval: 100 });
    const after = await vi.waitFor(() => workflow.getStatus(id), { timeout: 30_000, interval: 100 });

    // The replica never got the rejection: the request is pending on the promoted master (and
    // could be approved). The caller must not have been told it was rejected.
    const code = BackendUnavailableError.isInstance(reported) ? reported.code : reported;
    expect({ reported: code, after }).toEqual({ reported: 'BACKEND_UNAVAILABLE', after: 'pending' });
    expect((reported as Error).message).toMatch(/0 of 1 replicas acknowledged it.*read the request again/);
  });
});
