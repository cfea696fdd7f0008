import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { ConflictError, createSecurityEventEmitter } from '@warden/core';
import { describeWithService } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { createRedisKillSwitch, type RedisKillSwitch } from './redis-kill-switch.js';
import type { RedisKillSwitchConfig } from './redis-kill-switch-config.js';

const TIMINGS = { staleAfterMs: 400, refreshIntervalMs: 100, commandTimeoutMs: 300 } as const;
const eventually = (assertion: () => Promise<void> | void): Promise<void> =>
  vi.waitFor(assertion, { timeout: 90_000, interval: 25 });

// Lua turns numbers into text with %.14g (tostring, cjson): 123456789012346 became
// "1.2345678901235e+14", 2^53 - 2 became "9.007199254741e+15".
const SUITE = 'Redis kill switch, versions at 1e14 and above (attacker: a Redis user numbering the state)';
describeWithService('redis', SUITE, () => {
  const url = process.env.REDIS_URL ?? '';
  const opened: RedisKillSwitch[] = [];
  const clients: Redis[] = [];
  const open = (config: RedisKillSwitchConfig): RedisKillSwitch => {
    const killSwitch = createRedisKillSwitch({ url, ...TIMINGS, ...config });
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
  const names = () => {
    const name = `v${randomUUID().replaceAll('-', '')}`;
    const keyPrefix = 'warden-test:ks:';
    return { name, keyPrefix, stateKey: `${keyPrefix}{${name}}:state`, historyKey: `${keyPrefix}{${name}}:history` };
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((instance) => instance.close()));
    for (const redis of clients.splice(0)) redis.disconnect();
  });

  it('an unsigned activation over a record numbered 123456789012345 (attacker: a Redis user) is read back exactly by every instance', async () => {
    const { name, keyPrefix, stateKey } = names();
    const redis = await client();
    await redis.hset(stateKey, { version: '123456789012345', active: '0', changedAt: 't' });
    const writer = open({ name, keyPrefix });
    const reader = open({ name, keyPrefix });
    await reader.ready();
    await writer.activate('incident', { actor: 'alice' });
    expect(await redis.hget(stateKey, 'version')).toBe('123456789012346');
    await eventually(async () => expect((await reader.getState()).version).toBe(123456789012346));
    expect((await writer.getState()).version).toBe(123456789012346);
    expect((await reader.getHistory())[0]?.version).toBe(123456789012346);
  });

  it('signed changes over an unsigned record numbered 2^53 - 3 (attacker: a Redis user) round-trip exactly, are reported signed, and one past 2^53 - 1 is refused with CONFLICT', async () => {
    const { name, keyPrefix, stateKey } = names();
    const keys = generateKeyPairSync('ed25519');
    const verifyKey = keys.publicKey;
    const redis = await client();
    const top = Number.MAX_SAFE_INTEGER;
    await redis.hset(stateKey, { version: String(top - 2), active: '1', reason: 'forged', changedAt: 't' });
    const operator = open({ name, keyPrefix, verifyKey, signingKey: keys.privateKey });
    const events = createSecurityEventEmitter();
    const seen: Array<Record<string, unknown>> = [];
    events.on('security', (event) => seen.push(event.details));
    const watcher = open({ name, keyPrefix, verifyKey, events });
    await watcher.ready();

    await operator.activate('incident', { actor: 'alice' });
    expect(await redis.hget(stateKey, 'version')).toBe(String(top - 1));
    const [entry] = await operator.getHistory();
    expect(entry?.version).toBe(top - 1);
    await eventually(() =>
      expect(seen.some((details) => details.version === top - 1 && details.signed === true)).toBe(true),
    );

    await operator.deactivate({ actor: 'alice' });
    expect(await redis.hget(stateKey, 'version')).toBe(String(top));
    await eventually(async () => expect(await watcher.isActive()).toBe(false));
    expect((await watcher.getState()).version).toBe(top);
    expect((await watcher.getHistory()).map((change) => change.version)).toEqual([top, top - 1]);

    // No version is left: refused before Redis, typed; the activation holds on this instance.
    const refused = await operator.activate('another incident').catch((error: unknown) => error);
    expect(ConflictError.isInstance(refused)).toBe(true);
    expect(await operator.isActive()).toBe(true);
    expect(await redis.hget(stateKey, 'version')).toBe(String(top));
  });

  it('an unsigned bump past 2^53 - 1 (attacker: a Redis user) is refused with CONFLICT and writes nothing', async () => {
    const { name, keyPrefix, stateKey, historyKey } = names();
    const redis = await client();
    await redis.hset(stateKey, { version: String(Number.MAX_SAFE_INTEGER), active: '1', reason: 'x', changedAt: 't' });
    const writer = open({ name, keyPrefix });
    const refused = await writer.deactivate().catch((error: unknown) => error);
    expect(ConflictError.isInstance(refused)).toBe(true);
    expect(await redis.hget(stateKey, 'version')).toBe(String(Number.MAX_SAFE_INTEGER));
    expect(await redis.llen(historyKey)).toBe(0);
  });
});
