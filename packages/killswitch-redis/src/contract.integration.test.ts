import { randomUUID } from 'node:crypto';
import { runKillSwitchContract } from '@warden/contract-tests';
import type { KillSwitch } from '@warden/core';
import { describeWithRedisTopologies } from '@warden/testing';
import { createRedisKillSwitch, type RedisKillSwitch } from './redis-kill-switch.js';

describeWithRedisTopologies('Redis kill switch contract', (topology) => {
  const open = (name: string): { subject: RedisKillSwitch; cleanup: () => Promise<void> } => {
    const subject = createRedisKillSwitch({ ...topology.connection, name, keyPrefix: 'warden-test:kill-switch:' });
    return { subject, cleanup: () => subject.close() };
  };

  runKillSwitchContract({
    name: `redis (${topology.name})`,
    createSubject: async () => open(`contract-${randomUUID()}`),
    createPeer: async (subject: KillSwitch) => open((subject as RedisKillSwitch).name),
    capabilities: { crossInstance: true, freshStateUnknown: true },
  });
});
