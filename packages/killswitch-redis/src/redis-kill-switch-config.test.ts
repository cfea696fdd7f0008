import { generateKeyPairSync } from 'node:crypto';
import { InvalidInputError } from '@warden/core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisKillSwitch } from './redis-kill-switch.js';
import { parseRedisKillSwitchConfig, type RedisKillSwitchConfig } from './redis-kill-switch-config.js';

const URL = 'redis://127.0.0.1:1';

function invalidField(config: RedisKillSwitchConfig, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseRedisKillSwitchConfig(config, env);
  } catch (error) {
    expect(InvalidInputError.isInstance(error)).toBe(true);
    return (error as InvalidInputError).issues.map((issue) => issue.path);
  }
  return expect.fail('expected INVALID_INPUT');
}

describe('parseRedisKillSwitchConfig(config)', () => {
  it('fills in the defaults and derives the keys from prefix and name', () => {
    const settings = parseRedisKillSwitchConfig({ url: URL });
    expect(settings).toMatchObject({
      name: 'global',
      stateKey: 'warden:kill-switch:{global}:state',
      historyKey: 'warden:kill-switch:{global}:history',
      changesKey: 'warden:kill-switch:{global}:changes',
      staleAfterMs: 5_000,
      failMode: 'closed',
      refreshIntervalMs: 1_000,
      commandTimeoutMs: 1_000,
      historyLimit: 100,
    });
  });

  it('keeps switches of different names apart', () => {
    const tenant = parseRedisKillSwitchConfig({ url: URL, name: 'tenant-42', keyPrefix: 'acme:' });
    expect(tenant.stateKey).toBe('acme:{tenant-42}:state');
    expect(tenant.changesKey).toBe('acme:{tenant-42}:changes');
  });

  it('derives refreshIntervalMs from a staleAfterMs the user chose (issue 16: staleAfterMs 200 alone works)', () => {
    expect(parseRedisKillSwitchConfig({ url: URL, staleAfterMs: 200 }).refreshIntervalMs).toBe(40);
    expect(() => createRedisKillSwitch({ url: URL, name: 'fast', staleAfterMs: 200 })).not.toThrow();
    expect(parseRedisKillSwitchConfig({ url: URL, staleAfterMs: 200, refreshIntervalMs: 150 }).refreshIntervalMs).toBe(
      150,
    );
  });

  it('waits for one replica on Sentinel by default, for none on a single Redis or a Cluster', () => {
    const sentinels = [{ host: '127.0.0.1', port: 1 }];
    expect(parseRedisKillSwitchConfig({ sentinels, sentinelMasterName: 'm' }).minReplicaAcks).toBe(1);
    expect(parseRedisKillSwitchConfig({ url: URL }).minReplicaAcks).toBe(0);
    expect(parseRedisKillSwitchConfig({ clusterNodes: sentinels }).minReplicaAcks).toBe(0);
  });

  it('accepts Ed25519 keys as KeyObjects or PEM and refuses other keys, naming the field', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const parsed = parseRedisKillSwitchConfig({
      url: URL,
      verifyKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      signingKey: privateKey,
    });
    expect(parsed.verifyKey?.asymmetricKeyType).toBe('ed25519');
    expect(invalidField({ url: URL, verifyKey: privateKey })).toEqual(['verifyKey']);
    expect(invalidField({ url: URL, signingKey: generateKeyPairSync('x25519').privateKey })).toEqual(['signingKey']);
    expect(invalidField({ url: URL, verifyKey: 'not a key' })).toEqual(['verifyKey']);
  });

  it("refuses the private key's PEM as verifyKey (attacker: a leak; every worker would hold the operator's signing key), naming the field", () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(invalidField({ url: URL, verifyKey: pkcs8 })).toEqual(['verifyKey']);
    expect(invalidField({ url: URL, verifyKey: pkcs8, signingKey: pkcs8 })).toEqual(['verifyKey']);
    let message = '';
    try {
      parseRedisKillSwitchConfig({ url: URL, verifyKey: pkcs8 });
    } catch (error) {
      message = String(error instanceof Error ? error.message : error);
    }
    // The error names the mistake and never echoes the key.
    expect(message).toMatch(/private/);
    expect(message).not.toContain(pkcs8.split('\n')[1]);
  });

  it('refuses a signingKey that is not the private half of verifyKey: nothing it signed would verify', () => {
    const operator = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    expect(invalidField({ url: URL, verifyKey: operator.publicKey, signingKey: other.privateKey })).toEqual([
      'signingKey',
    ]);
    expect(() =>
      parseRedisKillSwitchConfig({ url: URL, verifyKey: operator.publicKey, signingKey: operator.privateKey }),
    ).not.toThrow();
  });

  it('refuses an object that only looks like a KeyObject with INVALID_INPUT, not a TypeError from node:crypto', () => {
    const fakePublic = {
      asymmetricKeyType: 'ed25519',
      type: 'public',
    } as unknown as RedisKillSwitchConfig['verifyKey'];
    const fakePrivate = {
      asymmetricKeyType: 'ed25519',
      type: 'private',
    } as unknown as RedisKillSwitchConfig['signingKey'];
    expect(invalidField({ url: URL, verifyKey: fakePublic })).toEqual(['verifyKey']);
    expect(invalidField({ url: URL, signingKey: fakePrivate })).toEqual(['signingKey']);
    expect(() => createRedisKillSwitch({ url: URL, verifyKey: fakePublic, signingKey: fakePrivate })).toThrow(
      InvalidInputError,
    );
  });

  it.each(['global', 'tenant-42', 'agent.reviewer', 'A_1', 'x'.repeat(128)])('accepts the name %s', (name) => {
    expect(parseRedisKillSwitchConfig({ url: URL, name }).name).toBe(name);
  });

  it.each([
    ['a key separator', 'tenant:1'],
    ['a glob', 'tenant*'],
    ['a hash tag', '{tenant}'],
    ['a space', 'tenant 1'],
    ['a line break', 'tenant\r\nFLUSHALL'],
    ['a path', '../global'],
    ['a leading dot', '.global'],
    ['non-ASCII', 'tenänt'],
    ['nothing', ''],
    ['129 characters', 'x'.repeat(129)],
  ])('refuses a name with %s: INVALID_INPUT naming "name"', (_label, name) => {
    expect(invalidField({ url: URL, name })).toEqual(['name']);
  });

  it.each(['prefix with space', 'prefix*', 'p{x}', '{tag}:', 'x'.repeat(101)])(
    'refuses the key prefix %j',
    (keyPrefix) => {
      expect(invalidField({ url: URL, keyPrefix })).toEqual(['keyPrefix']);
    },
  );

  it('takes the URL from REDIS_URL when neither url nor redis is given', () => {
    expect(parseRedisKillSwitchConfig({}, { REDIS_URL: URL }).target).toEqual({ kind: 'url', url: URL });
  });

  it('refuses settings without url, redis or REDIS_URL, naming "url"', () => {
    expect(invalidField({}, {})).toEqual(['url']);
  });

  it('refuses a URL that is not redis:// or rediss://', () => {
    expect(invalidField({ url: 'http://127.0.0.1:6379' })).toEqual(['url']);
  });

  it('refuses both an injected client and a url', () => {
    const redis = new Redis(URL, { lazyConnect: true });
    expect(invalidField({ redis, url: URL })).toEqual(['url']);
    expect(invalidField({ url: URL, clusterNodes: [{ host: 'h', port: 1 }] })).toEqual(['clusterNodes']);
    redis.disconnect();
  });

  it('refuses something that is not an ioredis client as redis', () => {
    expect(invalidField({ redis: { get: () => {} } as unknown as Redis })).toEqual(['redis']);
  });

  it('refuses staleAfterMs not larger than refreshIntervalMs', () => {
    expect(invalidField({ url: URL, staleAfterMs: 1_000, refreshIntervalMs: 1_000 })).toEqual(['staleAfterMs']);
  });

  it.each([
    ['staleAfterMs', { staleAfterMs: -1 }],
    ['refreshIntervalMs', { refreshIntervalMs: 0.5 }],
    ['commandTimeoutMs', { commandTimeoutMs: Number.NaN }],
    ['historyLimit', { historyLimit: 0 }],
    ['failMode', { failMode: 'sometimes' }],
    ['events', { events: {} }],
    ['now', { now: 5 }],
  ])('refuses a bad %s', (field, bad) => {
    expect(invalidField({ url: URL, ...(bad as RedisKillSwitchConfig) })).toContain(field);
  });

  it('wraps onError so a hook that throws cannot crash the host', () => {
    const settings = parseRedisKillSwitchConfig({
      url: URL,
      onError: () => {
        throw new Error('hook failure');
      },
    });
    expect(() => settings.onError(new Error('redis down'))).not.toThrow();
  });

  it('refuses unknown settings instead of ignoring a typo', () => {
    const config = { url: URL, staleAfter: 10 } as unknown as RedisKillSwitchConfig;
    expect(() => parseRedisKillSwitchConfig(config)).toThrow(/staleAfter/);
  });
});

describe('createRedisKillSwitch(config)', () => {
  const sockets = (): number => process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length;

  it('opens no connection and starts no timer until the first call', () => {
    const before = process.getActiveResourcesInfo().length;
    const socketsBefore = sockets();
    createRedisKillSwitch({ url: URL });
    expect(sockets()).toBe(socketsBefore);
    expect(process.getActiveResourcesInfo().length).toBe(before);
  });

  it('throws INVALID_INPUT at once for a name that could reach into other keys', () => {
    expect(() => createRedisKillSwitch({ url: URL, name: 'global:state' })).toThrow(InvalidInputError);
  });

  it('throws INVALID_INPUT at once for a URL whose password is not valid percent-encoding (activate() threw a raw URIError and held nothing)', () => {
    expect(() => createRedisKillSwitch({ url: 'redis://:pw-secret%zz@127.0.0.1:1' })).toThrow(InvalidInputError);
  });

  it('an injected client that throws on every call (a broken or hostile client): isActive() never throws and fails closed; activate() holds locally', async () => {
    const broken = (): never => {
      throw new Error('broken client');
    };
    const redis = {
      ...Object.fromEntries(
        ['eval', 'evalsha', 'duplicate', 'hgetall', 'pipeline', 'lrange'].map((name) => [name, broken]),
      ),
      status: 'ready',
    } as unknown as RedisKillSwitchConfig['redis'];
    const errors: unknown[] = [];
    const timings = { staleAfterMs: 200, refreshIntervalMs: 50, commandTimeoutMs: 100 };
    const killSwitch = createRedisKillSwitch({ redis, ...timings, onError: (error) => errors.push(error) });
    try {
      expect(() => killSwitch.onChange(() => {})).not.toThrow();
      expect(await killSwitch.isActive()).toBe(true);
      expect(await killSwitch.getState()).toMatchObject({ active: true, stale: true });
      await expect(killSwitch.ready()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      await expect(killSwitch.activate('incident')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      expect(await killSwitch.getState()).toMatchObject({ active: true, localOnly: true, reason: 'incident' });
      await expect(killSwitch.deactivate()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      expect(await killSwitch.isActive()).toBe(true);
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await killSwitch.close();
    }
  });

  it('close() right after the first call: every later call settles at once, typed, and isActive() still answers', async () => {
    // A day of staleAfterMs: a call waiting for the first read of a closed switch would wait that long.
    const killSwitch = createRedisKillSwitch({ url: URL, staleAfterMs: 86_400_000, refreshIntervalMs: 1_000 });
    killSwitch.onChange(() => {});
    await killSwitch.close();
    await killSwitch.close();
    expect(await killSwitch.isActive()).toBe(true);
    expect(await killSwitch.getState()).toMatchObject({ active: true });
    await expect(killSwitch.ready()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    await expect(killSwitch.getHistory()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    await expect(killSwitch.deactivate()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    await expect(killSwitch.activate('incident')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(await killSwitch.getState()).toMatchObject({ active: true, localOnly: true, reason: 'incident' });
  }, 60_000);

  it('a `now` clock that returns no valid time (a fault): activate() still holds the stop, stamped by the system clock, and onError is told', async () => {
    for (const reading of [Number.NaN, Number.POSITIVE_INFINITY, 1e20, undefined]) {
      const errors: unknown[] = [];
      const killSwitch = createRedisKillSwitch({
        url: URL,
        staleAfterMs: 200,
        refreshIntervalMs: 50,
        commandTimeoutMs: 100,
        now: () => reading as number,
        onError: (error) => errors.push(error),
      });
      try {
        await expect(killSwitch.activate('incident')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
        const state = await killSwitch.getState();
        expect(state).toMatchObject({ active: true, localOnly: true, reason: 'incident' });
        expect(Number.isFinite(Date.parse(state.changedAt ?? ''))).toBe(true);
        expect(errors.some((error) => InvalidInputError.isInstance(error) && /now/.test(error.message))).toBe(true);
      } finally {
        await killSwitch.close();
      }
    }
  });
});
