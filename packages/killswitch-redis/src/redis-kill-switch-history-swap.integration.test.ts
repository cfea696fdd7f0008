import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { ConflictError } from '@warden/core';
import { describeWithService } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { createRedisKillSwitch, type RedisKillSwitch } from './redis-kill-switch.js';
import type { RedisKillSwitchConfig } from './redis-kill-switch-config.js';

const TIMINGS = { staleAfterMs: 400, refreshIntervalMs: 100, commandTimeoutMs: 300 } as const;
const eventually = (assertion: () => Promise<void> | void): Promise<void> =>
  vi.waitFor(assertion, { timeout: 90_000, interval: 25 });
const SUITE = 'Redis kill switch history, entries swapped by a Redis user without the key';

describeWithService('redis', SUITE, () => {
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

  // Same millisecond: the captured release carries the version of the activation that beat it.
  // Clock ahead: it carries a higher version than the entries after it.
  it.each([
    ['in the same millisecond', 1_000],
    ['on a host whose clock runs ahead', 60_000],
  ])(
    'a signed release that lost its race %s, swapped into the history (attacker: a Redis user without the key), is never listed as a signed change that took effect',
    async (_when, personClock) => {
      const operatorKeys = generateKeyPairSync('ed25519');
      const verifyKey = operatorKeys.publicKey;
      const name = `swap-${randomUUID()}`;
      const keyPrefix = 'warden-test:kill-switch:';
      const historyKey = `${keyPrefix}{${name}}:history`;
      const automation = open({ name, keyPrefix, verifyKey, signingKey: operatorKeys.privateKey, now: () => 1_000 });
      const watcher = open({ name, keyPrefix, verifyKey });
      await automation.deactivate({ actor: 'automation' });
      await automation.activate('anomaly', { actor: 'automation' });
      await eventually(async () => expect(await watcher.getReason()).toBe('anomaly'));

      // The person's writes, as sent; before each reaches Redis the automation activates again.
      const personRedis = await client();
      const sent: unknown[][] = [];
      const evalsha = personRedis.evalsha.bind(personRedis) as (...args: unknown[]) => Promise<unknown>;
      Object.assign(personRedis, {
        evalsha: async (...args: unknown[]) => {
          sent.push(args);
          await automation.activate('anomaly, again', { actor: 'automation' });
          const version = (await automation.getState()).version;
          await eventually(async () => expect((await watcher.getState()).version).toBe(version));
          return evalsha(...args);
        },
      });
      const person = open({
        redis: personRedis,
        name,
        keyPrefix,
        verifyKey,
        signingKey: operatorKeys.privateKey,
        now: () => personClock,
      });
      await person.ready();
      const error = await person.deactivate({ actor: 'bob' }).catch((caught: unknown) => caught);
      expect(ConflictError.isInstance(error)).toBe(true);
      await automation.deactivate({ actor: 'automation' });
      await eventually(async () => expect(await watcher.isActive()).toBe(false));

      // EVALSHA sha numkeys state history changes, then stream-bound active reason actor changedAt
      // limit version expected signature skip basis: the first captured release, as listed.
      const argv = (sent[0] ?? []).slice(5).map(String);
      const [, , reason, actor, changedAt, , version, , signature, , basis] = argv;
      const captured = { version, active: false, reason, actor, changedAt, signature, basis };
      const redis = await client();
      const entries = await redis.lrange(historyKey, 0, -1);
      // In the slot of the activation that beat it (or, its version being higher, the newest one).
      let slot = entries.findIndex((entry) => String(JSON.parse(entry).version) === version);
      if (slot < 0) slot = 1;
      await redis.lset(historyKey, slot, JSON.stringify(captured));

      const history = await watcher.getHistory();
      const swapped = history.find((entry) => entry.actor === 'bob');
      expect(swapped).toBeDefined();
      expect(swapped?.signed === true && swapped.tookEffect === true).toBe(false);
      // The genuine release on top took effect, signed.
      expect(history[0]).toMatchObject({ active: false, actor: 'automation', signed: true, tookEffect: true });
    },
  );
});
