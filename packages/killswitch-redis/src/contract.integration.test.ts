import { randomUUID } from 'node:crypto';
import { runKillSwitchContract } from '@warden/contract-tests';
import type { KillSwitch } from '@warden/core';
import { describeWithService } from '@warden/testing';
import { createRedisKillSwitch, type RedisKillSwitch } from './redis-kill-switch.js';

describeWithService('redis', 'Redis kill switch contract', (redisUrl) => {
  const open = (name: string): { subject: RedisKillSwitch; cleanup: () => Promise<void> } => {
    const subject = createRedisKillSwitch({ url: redisUrl, name, keyPrefix: 'warden-test:kill-switch:' });
    return { subject, cleanup: () => subject.close() };
  };

  runKillSwitchContract({
    name: 'redis',
    createSubject: async () => open(`contract-${randomUUID()}`),
    createPeer: async (subject: KillSwitch) => open((subject as RedisKillSwitch).name),
    capabilities: { crossInstance: true },
  });
});
