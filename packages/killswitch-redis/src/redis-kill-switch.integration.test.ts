import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createSecurityEventEmitter, type SecurityEvent } from '@warden/core';
import { describeWithService, startRedisServer } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { sampleAnswers } from '../test/answer-sampler.js';
import { appendChange, readChanges } from '../test/change-stream.js';
import { createRedisKillSwitch, type RedisKillSwitch } from './redis-kill-switch.js';
import type { RedisKillSwitchConfig } from './redis-kill-switch-config.js';

const KEY_PREFIX = 'warden-test:kill-switch:';

const eventually = (assertion: () => Promise<void>): Promise<void> =>
  vi.waitFor(assertion, { timeout: 60_000, interval: 20 });

describeWithService('redis', 'Redis kill switch (shared Redis)', (redisUrl) => {
  const opened: RedisKillSwitch[] = [];
  const clients: Redis[] = [];

  const open = (config: RedisKillSwitchConfig): RedisKillSwitch => {
    const killSwitch = createRedisKillSwitch({ url: redisUrl, keyPrefix: KEY_PREFIX, ...config });
    opened.push(killSwitch);
    return killSwitch;
  };
  const uniqueName = (): string => `test-${randomUUID()}`;

  /**
   * Runs `test` against a private redis-server, so MONITOR sees only the test's own traffic:
   * `connect` opens a client (closed after the test) and `commandsFrom` records, from then on, the
   * lower-cased names of the commands the given clients send. Closes the switches the test opened.
   */
  const withPrivateServer = async (
    test: (server: {
      url: string;
      connect: () => Promise<Redis>;
      commandsFrom: (sources: Redis[]) => Promise<{ names: string[]; stop: () => void }>;
    }) => Promise<void>,
  ): Promise<void> => {
    const server = await startRedisServer();
    const connect = async (): Promise<Redis> => {
      const redis = new Redis(server.url);
      clients.push(redis);
      await redis.ping();
      return redis;
    };
    const commandsFrom = async (sources: Redis[]): Promise<{ names: string[]; stop: () => void }> => {
      const addresses = new Set(sources.map((redis) => `127.0.0.1:${redis.stream.localPort}`));
      const monitor = await (await connect()).monitor();
      const names: string[] = [];
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (addresses.has(source.split(' ').at(-1) ?? '')) names.push(String(args[0]).toLowerCase());
      });
      return { names, stop: () => monitor.disconnect() };
    };
    try {
      await test({ url: server.url, connect, commandsFrom });
    } finally {
      await Promise.all(opened.splice(0).map((instance) => instance.close()));
      await server.dispose();
    }
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((instance) => instance.close()));
    for (const client of clients.splice(0)) client.disconnect();
  });

  it('createRedisKillSwitch({ redis }) uses the injected client and close() leaves it open', async () => {
    const client = new Redis(redisUrl, { lazyConnect: true });
    clients.push(client);
    const name = uniqueName();
    const injected = createRedisKillSwitch({ redis: client, name, keyPrefix: KEY_PREFIX });
    const other = open({ name });
    await other.ready();
    await injected.activate('through the injected client', { actor: 'alice' });
    await eventually(async () => expect(await other.getReason()).toBe('through the injected client'));
    await injected.close();
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
  });

  it('bad input (empty, blank or huge reasons, a bad actor) throws INVALID_INPUT and writes nothing to Redis', async () => {
    const name = uniqueName();
    const killSwitch = open({ name });
    const attempts = [
      () => killSwitch.activate(''),
      () => killSwitch.activate('   '),
      () => killSwitch.activate('x'.repeat(1_000_001)),
      () => killSwitch.activate('valid', { actor: '' }),
      () => killSwitch.deactivate({ actor: 'x'.repeat(201) }),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const raw = new Redis(redisUrl);
    clients.push(raw);
    const keys = ['state', 'history', 'changes'].map((suffix) => `${KEY_PREFIX}{${name}}:${suffix}`);
    expect(await raw.exists(...keys)).toBe(0);
  });

  it('switches of different names in one Redis are independent', async () => {
    const tenantA = open({ name: uniqueName() });
    const tenantB = open({ name: uniqueName() });
    await tenantB.deactivate();
    await tenantA.activate('tenant A only');
    expect(await tenantA.isActive()).toBe(true);
    expect(await tenantB.isActive()).toBe(false);
  });

  it('getHistory() lists every change newest first, with who, when and why, bounded by historyLimit', async () => {
    let time = 0;
    const at = (second: number): void => {
      time = Date.parse('2026-03-01T12:00:00.000Z') + second * 1_000;
    };
    const killSwitch = open({ name: uniqueName(), historyLimit: 3, now: () => time });
    at(1);
    await killSwitch.activate('first', { actor: 'alice' });
    at(2);
    await killSwitch.deactivate({ actor: 'bob' });
    at(3);
    await killSwitch.deactivate({ actor: 'nobody: already inactive' });
    at(4);
    await killSwitch.activate('second', { actor: 'carol' });
    at(5);
    await killSwitch.activate('third', { actor: 'dave' });
    expect(await killSwitch.getHistory()).toEqual([
      { version: 4, active: true, reason: 'third', actor: 'dave', changedAt: '2026-03-01T12:00:05.000Z' },
      { version: 3, active: true, reason: 'second', actor: 'carol', changedAt: '2026-03-01T12:00:04.000Z' },
      { version: 2, active: false, actor: 'bob', changedAt: '2026-03-01T12:00:02.000Z' },
    ]);
  });

  it('every change emits one security event where it is made, and one marked observed (actor, reason) on every other instance', async () => {
    const name = uniqueName();
    const changerEvents: SecurityEvent[] = [];
    const observerEvents: SecurityEvent[] = [];
    const changerEmitter = createSecurityEventEmitter();
    changerEmitter.on('security', (event) => {
      if (event.type.startsWith('kill_switch')) changerEvents.push(event);
    });
    const observerEmitter = createSecurityEventEmitter();
    observerEmitter.on('security', (event) => {
      if (event.type.startsWith('kill_switch')) observerEvents.push(event);
    });
    const changer = open({ name, events: changerEmitter });
    const observer = open({ name, events: observerEmitter });
    await observer.ready();
    await changer.activate('incident', { actor: 'alice' });
    await changer.deactivate({ actor: 'bob' });
    await changer.deactivate({ actor: 'bob' });
    await eventually(async () => expect((await observer.getState()).actor).toBe('bob'));
    expect(changerEvents.map((event) => [event.type, event.details])).toEqual([
      [
        'kill_switch_activated',
        expect.objectContaining({ name, reason: 'incident', actor: 'alice', version: 1, scope: 'global' }),
      ],
      ['kill_switch_deactivated', expect.objectContaining({ name, actor: 'bob', version: 2, scope: 'global' })],
    ]);
    await eventually(async () => expect(observerEvents).toHaveLength(2));
    expect(observerEvents.map((event) => [event.type, event.details])).toEqual([
      [
        'kill_switch_activated',
        expect.objectContaining({ name, reason: 'incident', actor: 'alice', version: 1, observed: true }),
      ],
      ['kill_switch_deactivated', expect.objectContaining({ name, actor: 'bob', version: 2, observed: true })],
    ]);
    expect(changerEvents.some((event) => event.details.observed)).toBe(false);
  });

  it('the versions an instance remembers having written stay bounded: none without events, at most historyLimit with them', async () => {
    const name = uniqueName();
    const silent = open({ name });
    const audited = open({ name, events: createSecurityEventEmitter(), historyLimit: 3 });
    const remembered = (killSwitch: RedisKillSwitch): number =>
      (killSwitch as unknown as { audit: { ownVersions: Set<number> } }).audit.ownVersions.size;
    for (let change = 0; change < 10; change += 1) {
      await silent.activate(`silent ${change}`);
      await silent.deactivate();
      await audited.activate(`audited ${change}`);
      await audited.deactivate();
    }
    expect(remembered(silent)).toBe(0);
    expect(remembered(audited)).toBeLessThanOrEqual(3);
  });

  it('changes made at once from two instances end with every instance holding what Redis holds', async () => {
    const name = uniqueName();
    const [first, second, watcher] = [open({ name }), open({ name }), open({ name })];
    await Promise.all([first.ready(), second.ready(), watcher.ready()]);
    await Promise.all(
      Array.from({ length: 25 }, (_, index) => [
        first.activate(`first ${index}`),
        second.deactivate(),
        second.activate(`second ${index}`),
      ]).flat(),
    );
    const [latest] = await first.getHistory();
    for (const instance of [first, second, watcher]) {
      await eventually(async () => expect((await instance.getState()).version).toBe(latest?.version));
      expect(await instance.getState()).toMatchObject({ active: latest?.active, reason: latest?.reason });
    }
  });

  it('with verifyKey, a signed change reaches other instances in the message itself: they do not re-read', async () => {
    await withPrivateServer(async ({ url, connect, commandsFrom }) => {
      const keys = generateKeyPairSync('ed25519');
      // Re-reads far apart, so a re-read in the window can only come from the change.
      const config = { name: uniqueName(), keyPrefix: KEY_PREFIX, staleAfterMs: 120_000, refreshIntervalMs: 60_000 };
      const operator = open({ ...config, url, verifyKey: keys.publicKey, signingKey: keys.privateKey });
      const readerClients = [await connect(), await connect()];
      const readers = readerClients.map((redis) => {
        const reader = createRedisKillSwitch({ ...config, redis, verifyKey: keys.publicKey });
        opened.push(reader);
        return reader;
      });
      await operator.deactivate({ actor: 'bob' });
      for (const reader of readers) await eventually(async () => expect(await reader.isActive()).toBe(false));
      const readerCommands = await commandsFrom(readerClients);
      await operator.activate('incident', { actor: 'alice' });
      for (const reader of readers) {
        await eventually(async () =>
          expect(await reader.getState()).toMatchObject({ active: true, reason: 'incident' }),
        );
      }
      await (await connect()).ping();
      readerCommands.stop();
      expect(readerCommands.names).not.toContain('hgetall');
    });
  });

  it('runs with a least-privilege ACL user: its own keys only, no channels, the commands the README lists', async () => {
    await withPrivateServer(async ({ url, connect }) => {
      const name = uniqueName();
      const admin = await connect();
      await admin.call(
        'ACL',
        'SETUSER',
        'kill-switch',
        'on',
        '>switch-pw',
        'resetkeys',
        `~${KEY_PREFIX}{${name}}:*`,
        'resetchannels',
        '-@all',
        // What the README lists: the reads, the change script's commands, and the connection's own.
        ...['+hgetall', '+lrange', '+xread', '+xrevrange', '+evalsha', '+eval'],
        ...['+type', '+del', '+hget', '+hset', '+lpush', '+ltrim', '+xadd'],
        ...['+info', '+ping', '+config|get'],
      );
      const errors: unknown[] = [];
      const limited = url.replace('redis://', 'redis://kill-switch:switch-pw@');
      const config = {
        url: limited,
        name,
        keyPrefix: KEY_PREFIX,
        commandTimeoutMs: 5_000,
        onError: (error: unknown) => errors.push(error),
      };
      const writer = createRedisKillSwitch(config);
      const reader = createRedisKillSwitch(config);
      opened.push(writer, reader);
      await writer.deactivate({ actor: 'bob' });
      await reader.ready();
      expect(await reader.isActive()).toBe(false);
      await writer.activate('incident', { actor: 'alice' });
      await eventually(async () => expect(await reader.getReason()).toBe('incident'));
      await writer.deactivate({ actor: 'bob' });
      await eventually(async () => expect(await reader.isActive()).toBe(false));
      expect((await reader.getHistory()).map((entry) => entry.active)).toEqual([false, true, false]);
      // No command was refused (a loaded machine may add a timeout, which is not what this tests).
      expect(errors.filter((error) => /NOPERM|no permissions|can't run this command/i.test(String(error)))).toEqual([]);

      // A user that only reads (no script, no CONFIG): follows every change; its own activate() fails and holds locally.
      await admin.call(
        'ACL',
        'SETUSER',
        'kill-switch-reader',
        'on',
        '>reader-pw',
        `~${KEY_PREFIX}{${name}}:*`,
        'resetchannels',
        '-@all',
        ...['+hgetall', '+lrange', '+xread', '+xrevrange', '+info', '+ping'],
      );
      const readOnly = createRedisKillSwitch({
        ...config,
        url: url.replace('redis://', 'redis://kill-switch-reader:reader-pw@'),
        onError: () => {},
      });
      opened.push(readOnly);
      await readOnly.ready();
      await writer.activate('incident, again', { actor: 'alice' });
      await eventually(async () => expect(await readOnly.getReason()).toBe('incident, again'));
      await writer.deactivate({ actor: 'bob' });
      await eventually(async () => expect(await readOnly.isActive()).toBe(false));
      await expect(readOnly.activate('from a reader')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
      expect(await readOnly.getState()).toMatchObject({ active: true, localOnly: true });
      expect(await reader.isActive()).toBe(false);
    });
  });

  it('a re-read sent before a change never undoes it when its reply arrives after (slow read replies; writer and reader)', async () => {
    const name = uniqueName();
    /** Reads sent and not yet answered, per client. */
    const readsInFlight = new Map<Redis, number>();
    /** A client whose HGETALL replies arrive 300 ms late: the read ran at once, on the state before. */
    const slowReads = async (): Promise<Redis> => {
      const redis = new Redis(redisUrl);
      clients.push(redis);
      await redis.ping();
      const hgetall = redis.hgetall.bind(redis);
      const count = (change: number): void => {
        readsInFlight.set(redis, (readsInFlight.get(redis) ?? 0) + change);
      };
      redis.hgetall = ((key: string) => {
        count(1);
        return hgetall(key).then(
          (hash) =>
            new Promise((resolve) =>
              setTimeout(() => {
                count(-1);
                resolve(hash);
              }, 300),
            ),
        );
      }) as Redis['hgetall'];
      return redis;
    };
    // Re-reads far more often than a reply takes: one is always on its way.
    const timings = { staleAfterMs: 5_000, refreshIntervalMs: 40 };
    await open({ name }).deactivate({ actor: 'bob' });
    const withSlowReads = async (): Promise<RedisKillSwitch> => {
      const killSwitch = createRedisKillSwitch({ name, keyPrefix: KEY_PREFIX, redis: await slowReads(), ...timings });
      opened.push(killSwitch);
      return killSwitch;
    };
    const writer = await withSlowReads();
    const reader = await withSlowReads();
    await Promise.all([writer.ready(), reader.ready()]);
    expect(await reader.isActive()).toBe(false);
    // Both have a read on its way, sent before the change.
    await eventually(async () => expect([...readsInFlight.values()]).toEqual([1, 1]));

    await writer.activate('incident', { actor: 'alice' });
    const writerAnswers = sampleAnswers([writer]);
    // The reader takes the activation from the change stream, long before its next read replies.
    await eventually(async () => expect(await reader.isActive()).toBe(true));
    const readerAnswers = sampleAnswers([reader]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const tallies = [...(await writerAnswers.stop()), ...(await readerAnswers.stop())];
    expect(tallies.every((tally) => tally.inactive === 0 && tally.active > 0)).toBe(true);
    expect(await reader.getState()).toMatchObject({ active: true, reason: 'incident', stale: false });
  });

  it('the writer does not re-read on its own change-stream entry (or a replay of it); any other entry still costs it a re-read', async () => {
    await withPrivateServer(async ({ connect, commandsFrom }) => {
      // Re-reads far apart, so a re-read in the window can only come from an entry.
      const config = { name: uniqueName(), keyPrefix: KEY_PREFIX, staleAfterMs: 120_000, refreshIntervalMs: 60_000 };
      const changesKey = `${KEY_PREFIX}{${config.name}}:changes`;
      const writerClient = await connect();
      const writer = createRedisKillSwitch({ ...config, redis: writerClient });
      opened.push(writer);
      await writer.deactivate({ actor: 'bob' });
      const reader = await connect();
      /** The activations the writer appended, oldest first. */
      const announcements = async (): Promise<string[]> =>
        (await readChanges(reader, changesKey)).filter((entry) => entry.includes('"active":true'));
      const writerCommands = await commandsFrom([writerClient]);
      const writerReads = (): number => writerCommands.names.filter((name) => name === 'hgetall').length;
      const publisher = await connect();
      /** Appends an entry no switch can take (a hint): once the writer re-read for it, it has handled every earlier one. */
      const barrier = async (): Promise<void> => {
        const before = writerReads();
        await appendChange(publisher, changesKey, 'barrier');
        await eventually(async () => expect(writerReads()).toBe(before + 1));
      };

      await writer.activate('first', { actor: 'alice' });
      await barrier();
      expect(writerReads()).toBe(1);
      await writer.activate('second', { actor: 'alice' });
      const [first = '', second = ''] = await announcements();
      await appendChange(publisher, changesKey, second);
      await barrier();
      expect(writerReads()).toBe(2);
      // A replay of an older change is not what the writer holds: it re-reads (and keeps what Redis says).
      await appendChange(publisher, changesKey, first);
      await eventually(async () => expect(writerReads()).toBe(3));
      expect(await writer.getReason()).toBe('second');
      writerCommands.stop();
    });
  });

  it('a signingKey that is not the pair of verifyKey is refused at creation; a release signed by another key reads as unknown (deny)', async () => {
    const operatorKeys = generateKeyPairSync('ed25519');
    const otherKeys = generateKeyPairSync('ed25519');
    const name = uniqueName();
    expect(() => open({ name, verifyKey: operatorKeys.publicKey, signingKey: otherKeys.privateKey })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/not the private half/) }),
    );
    // A writer that only signs (no verifyKey) cannot check its key: the fleet reads its release as unknown.
    const wrongKey = open({ name, signingKey: otherKeys.privateKey });
    await wrongKey.deactivate({ actor: 'alice' });
    const reader = open({ name, verifyKey: operatorKeys.publicKey });
    expect(await reader.getState()).toMatchObject({ active: true, unknown: true });
    expect(await reader.getReason()).toMatch(/not signed by the operator's key/);
    const operator = open({ name, verifyKey: operatorKeys.publicKey, signingKey: operatorKeys.privateKey });
    await operator.deactivate({ actor: 'alice' });
    expect(await operator.getState()).toMatchObject({ active: false, stale: false });
  });
});
