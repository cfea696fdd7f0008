import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { describeWithService } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { sampleAnswers } from '../test/answer-sampler.js';
import { createRedisKillSwitch, type RedisKillSwitch } from './redis-kill-switch.js';
import type { RedisKillSwitchConfig } from './redis-kill-switch-config.js';

// Short timings so a change shows within a second; the defaults are 5 s stale, 1 s re-read.
const TIMINGS = { staleAfterMs: 400, refreshIntervalMs: 100, commandTimeoutMs: 300 } as const;

const eventually = (assertion: () => Promise<void> | void): Promise<void> =>
  vi.waitFor(assertion, { timeout: 90_000, interval: 25 });

describeWithService('redis', 'Redis kill switch, signed state under attack by a Redis user without the key', () => {
  const url = process.env.REDIS_URL ?? '';
  const opened: RedisKillSwitch[] = [];
  const clients: Redis[] = [];

  const open = (config: RedisKillSwitchConfig): RedisKillSwitch => {
    const killSwitch = createRedisKillSwitch({ ...(config.redis ? {} : { url }), ...TIMINGS, ...config });
    opened.push(killSwitch);
    return killSwitch;
  };
  const client = async (): Promise<Redis> => {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    redis.on('error', () => {});
    clients.push(redis);
    await redis.connect();
    return redis;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((instance) => instance.close()));
    for (const redis of clients.splice(0)) redis.disconnect();
  });

  it('a release signed for another switch whose prefix and name run together the same (attacker: a Redis user copying records) never reads inactive', async () => {
    const operatorKeys = generateKeyPairSync('ed25519');
    const verifyKey = operatorKeys.publicKey;
    const tenant = `t${randomUUID().replaceAll('-', '')}`;
    // "warden-test:ks:" + "<tenant>.prod" and "warden-test:ks:<tenant>." + "prod" are two switches.
    const victim = { keyPrefix: 'warden-test:ks:', name: `${tenant}.prod` };
    const other = { keyPrefix: `warden-test:ks:${tenant}.`, name: 'prod' };
    const victimOperator = open({ ...victim, verifyKey, signingKey: operatorKeys.privateKey });
    const otherOperator = open({ ...other, verifyKey, signingKey: operatorKeys.privateKey });
    const reader = open({ ...victim, verifyKey });
    await victimOperator.deactivate({ actor: 'alice' });
    await victimOperator.activate('incident on prod', { actor: 'alice' });
    await eventually(async () => expect(await reader.getReason()).toBe('incident on prod'));
    // Later than anything the reader saw, so only the signature stands in the way.
    await otherOperator.deactivate({ actor: 'alice' });

    const redis = await client();
    const copied = await redis.hgetall(`${other.keyPrefix}{${other.name}}:state`);
    const sampler = sampleAnswers([reader]);
    await redis.hset(`${victim.keyPrefix}{${victim.name}}:state`, copied);
    await redis.publish(`${victim.keyPrefix}{${victim.name}}:changes`, 'copied');
    await eventually(async () => {
      const state = await reader.getState();
      expect(state.unknown === true || state.version === Number(copied.version)).toBe(true);
    });
    const [tally] = await sampler.stop();
    expect(tally?.inactive).toBe(0);
    expect(await reader.getReason()).toMatch(/not signed by the operator's key/);
  });
});
