import {
  BackendUnavailableError,
  createSecurityEventEmitter,
  type KillSwitchState,
  type SecurityEvent,
} from '@warden/core';
import { describeWithService, type RedisServerHandle, startRedisServer } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createRedisKillSwitch, type RedisKillSwitch } from './redis-kill-switch.js';
import type { RedisKillSwitchConfig } from './redis-kill-switch-config.js';

// Short timings so faults show within a second; the defaults are 5 s stale, 1 s re-read.
const TIMINGS = { staleAfterMs: 400, refreshIntervalMs: 100, commandTimeoutMs: 300 } as const;
const NAME = 'faults';
const STATE_KEY = `warden:kill-switch:{${NAME}}:state`;

const eventually = (assertion: () => Promise<void> | void, timeout = 30_000): Promise<void> =>
  vi.waitFor(assertion, { timeout, interval: 25 });

const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

describeWithService('redis', 'Redis kill switch under faults (private redis-server)', () => {
  let server: RedisServerHandle;
  const opened: RedisKillSwitch[] = [];
  const clients: Redis[] = [];
  const redisErrors: unknown[] = [];

  const open = (overrides: RedisKillSwitchConfig = {}): RedisKillSwitch => {
    const killSwitch = createRedisKillSwitch({
      url: server.url,
      name: NAME,
      ...TIMINGS,
      onError: (error) => redisErrors.push(error),
      ...overrides,
    });
    opened.push(killSwitch);
    return killSwitch;
  };
  const openReady = async (count: number): Promise<RedisKillSwitch[]> => {
    const instances = Array.from({ length: count }, () => open());
    await Promise.all(instances.map((instance) => instance.ready()));
    return instances;
  };
  /** A fresh Redis holds no record (unknown, deny): the operator releases the switch explicitly. */
  const openReleased = async (count: number): Promise<RedisKillSwitch[]> => {
    const instances = await openReady(count);
    await instances[0]?.deactivate({ actor: 'operator' });
    for (const instance of instances) {
      await eventually(async () => expect(await instance.isActive()).toBe(false));
    }
    return instances;
  };
  const admin = async (): Promise<Redis> => {
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    clients.push(client);
    await client.connect();
    return client;
  };

  beforeEach(async () => {
    redisErrors.length = 0;
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((instance) => instance.close()));
    for (const client of clients.splice(0)) client.disconnect();
    await server?.dispose();
  });

  it('Redis killed while active: every instance keeps reporting active, with the real reason', async () => {
    server = await startRedisServer();
    const [first, second, third] = await openReady(3);
    await first?.activate('incident 7', { actor: 'alice' });
    await eventually(async () => expect(await second?.getReason()).toBe('incident 7'));
    await eventually(async () => expect(await third?.getReason()).toBe('incident 7'));
    await server.kill();
    await sleep(TIMINGS.staleAfterMs * 3);
    for (const instance of [first, second, third]) {
      expect(await instance?.isActive()).toBe(true);
      expect(await instance?.getState()).toMatchObject({ active: true, reason: 'incident 7', stale: true });
    }
    expect(redisErrors.length).toBeGreaterThan(0);
  });

  it('Redis killed while inactive: instances fail closed after staleAfterMs, say why, and recover when it returns', async () => {
    // AOF on: the released state must survive the restart (without it the state is unknown).
    server = await startRedisServer({ appendOnly: true });
    const [first, second] = await openReleased(2);
    const heard: KillSwitchState[] = [];
    second?.onChange((state) => heard.push(state));
    expect(await first?.isActive()).toBe(false);
    await server.kill();
    for (const instance of [first, second]) {
      await eventually(async () => expect(await instance?.isActive()).toBe(true));
      const state = await instance?.getState();
      expect(state).toMatchObject({ active: true, stale: true });
      expect(state?.reason).toMatch(/state unknown: Redis has not confirmed it for more than 400 ms, failing closed/);
      expect(await instance?.getReason()).toBe(state?.reason);
    }
    await server.restart();
    for (const instance of [first, second]) {
      await eventually(async () => expect(await instance?.isActive()).toBe(false));
      expect((await instance?.getState())?.stale).toBe(false);
    }
    expect(heard.map((state) => [state.active, state.stale])).toEqual([
      [true, true],
      [false, false],
    ]);
  });

  it('Redis killed while inactive with failMode open: instances keep answering inactive, marked stale', async () => {
    server = await startRedisServer();
    const open1 = open({ failMode: 'open' });
    await open1.deactivate();
    await server.kill();
    await eventually(async () => expect((await open1.getState()).stale).toBe(true));
    expect(await open1.isActive()).toBe(false);
  });

  it('Redis restarted with AOF on: the activation survives, instances recover, and changes flow again', async () => {
    server = await startRedisServer({ appendOnly: true });
    const [first, second] = await openReady(2);
    await first?.activate('survives restarts', { actor: 'alice' });
    await eventually(async () => expect(await second?.isActive()).toBe(true));
    await server.kill();
    await sleep(TIMINGS.staleAfterMs * 2);
    await server.restart();
    for (const instance of [first, second]) {
      await eventually(async () => expect((await instance?.getState())?.stale).toBe(false));
      expect(await instance?.getState()).toMatchObject({ active: true, reason: 'survives restarts', actor: 'alice' });
    }
    const late = open();
    expect(await late.isActive()).toBe(true);
    expect(await late.getReason()).toBe('survives restarts');
    await second?.deactivate({ actor: 'bob' });
    await eventually(async () => expect(await first?.isActive()).toBe(false));
    await eventually(async () => expect(await late.isActive()).toBe(false));
  });

  it('the connections following the change stream dropped (CLIENT KILL): the next change still reaches every instance', async () => {
    server = await startRedisServer();
    const [first, second, third] = await openReady(3);
    const redis = await admin();
    // Each instance's follower waits in XREAD BLOCK: the clients whose last command is xread.
    const followers = String(await redis.call('CLIENT', 'LIST'))
      .split('\n')
      .filter((line) => / cmd=xread /.test(line))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1] ?? '');
    expect(followers).toHaveLength(3);
    for (const id of followers) expect(await redis.call('CLIENT', 'KILL', 'ID', id)).toBe(1);
    await first?.activate('after the drop');
    await eventually(async () => expect(await second?.getReason()).toBe('after the drop'));
    await eventually(async () => expect(await third?.getReason()).toBe('after the drop'));
  });

  it('a lost change-stream entry (state written by hand, no entry): the periodic re-read delivers the change', async () => {
    server = await startRedisServer();
    const [first, second] = await openReady(2);
    await first?.deactivate();
    await first?.activate('published');
    await eventually(async () => expect(await second?.isActive()).toBe(true));
    const redis = await admin();
    const version = Number(await redis.hget(STATE_KEY, 'version'));
    await redis.hset(STATE_KEY, { version: version + 1, active: '1', reason: 'never published', actor: 'ops' });
    for (const instance of [first, second]) {
      await eventually(async () => expect(await instance?.getReason()).toBe('never published'));
    }
  });

  it('activate() while Redis is down throws BACKEND_UNAVAILABLE, stops this instance anyway, and a retry makes it global', async () => {
    // AOF on: the released state must survive the restart (without it the state is unknown).
    server = await startRedisServer({ appendOnly: true });
    const events: SecurityEvent[] = [];
    const emitter = createSecurityEventEmitter();
    emitter.on('security', (event) => events.push(event));
    const first = open({ events: emitter });
    const [second] = await openReleased(1);
    await first.ready();
    await eventually(async () => expect(await first.isActive()).toBe(false));
    events.length = 0;
    await server.kill();
    const error = await first.activate('operator stop', { actor: 'alice' }).catch((caught: unknown) => caught);
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect((error as BackendUnavailableError).message).toMatch(/active on this instance only.*Retry activate\(\)/);
    expect(await first.isActive()).toBe(true);
    expect(await first.getState()).toMatchObject({ active: true, reason: 'operator stop', localOnly: true });
    expect(events.map((event) => [event.type, event.details.scope])).toEqual([['kill_switch_activated', 'local']]);
    await server.restart();
    await eventually(async () => expect((await second?.getState())?.stale).toBe(false));
    await sleep(TIMINGS.refreshIntervalMs * 3);
    expect(await second?.isActive()).toBe(false);
    expect(await first.getState()).toMatchObject({ active: true, localOnly: true });
    // The operator retries until it reaches Redis: this instance's own connection may still be
    // waiting out its reconnection backoff when the other instance is already back.
    await eventually(() => first.activate('operator stop', { actor: 'alice' }));
    await eventually(async () => expect(await second?.getReason()).toBe('operator stop'));
    expect((await first.getState()).localOnly).toBeUndefined();
  });

  it('deactivate() while Redis is down throws BACKEND_UNAVAILABLE and leaves the switch active', async () => {
    server = await startRedisServer();
    const [first] = await openReady(1);
    await first?.activate('keep stopped');
    await server.kill();
    const error = await first?.deactivate({ actor: 'bob' }).catch((caught: unknown) => caught);
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect(await first?.isActive()).toBe(true);
    expect(await first?.getReason()).toBe('keep stopped');
  });

  it('a deactivate() cut off by a lost connection, and reported as failed, is not carried out later by a resend', async () => {
    server = await startRedisServer();
    const [operator] = await openReady(1);
    await operator?.activate('keep stopped');
    const redis = await admin();
    // The release waits on the server (writes paused) when its connection drops; the client
    // reconnects at once. A client that resent it would run it once writes resume.
    await redis.call('CLIENT', 'PAUSE', '10000', 'WRITE');
    const released = operator?.deactivate({ actor: 'bob' }).catch((caught: unknown) => caught);
    await sleep(100);
    await redis.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    const error = await released;
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect((error as BackendUnavailableError).message).toMatch(/did not complete/);
    await redis.call('CLIENT', 'UNPAUSE');
    await sleep(TIMINGS.commandTimeoutMs * 3);
    expect(await redis.hget(STATE_KEY, 'active')).toBe('1');
    expect(await operator?.isActive()).toBe(true);
  });

  it('a deactivate() that timed out while Redis held it may still take effect: the error says so, and the audit trail records it', async () => {
    server = await startRedisServer();
    const events: SecurityEvent[] = [];
    const emitter = createSecurityEventEmitter();
    emitter.on('security', (event) => events.push(event));
    const [operator] = await openReady(1);
    const watcher = open({ events: emitter });
    await operator?.activate('keep stopped', { actor: 'alice' });
    await eventually(async () => expect(await watcher.getReason()).toBe('keep stopped'));
    const redis = await admin();
    // Redis holds the release (writes paused) past the command timeout, then carries it out.
    await redis.call('CLIENT', 'PAUSE', String(TIMINGS.commandTimeoutMs * 3), 'WRITE');
    const error = await operator?.deactivate({ actor: 'bob' }).catch((caught: unknown) => caught);
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect((error as BackendUnavailableError).message).toMatch(/did not complete.*may still take effect/);
    await eventually(async () => expect(await watcher.isActive()).toBe(false));
    await eventually(() =>
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'kill_switch_deactivated',
          details: expect.objectContaining({ actor: 'bob', observed: true }),
        }),
      ),
    );
  });

  it('a state nobody can parse (tampered hash): instances answer unknown (active) at once; deactivate() rewrites it', async () => {
    server = await startRedisServer();
    const [first] = await openReleased(1);
    await (await admin()).hset(STATE_KEY, 'version', 'many');
    await eventually(async () => expect(await first?.isActive()).toBe(true));
    expect(await first?.getState()).toMatchObject({ active: true, unknown: true, stale: false });
    expect(await first?.getReason()).toMatch(/cannot be read.*deactivate\(\) rewrites it/);
    await first?.deactivate({ actor: 'operator' });
    expect(await first?.isActive()).toBe(false);
  });

  it('Redis restarted without AOF (state lost): every instance, old and new, answers unknown (active) until an explicit deactivate()', async () => {
    server = await startRedisServer();
    const [first, second] = await openReady(2);
    await first?.activate('lost on restart');
    await eventually(async () => expect(await second?.isActive()).toBe(true));
    await server.kill();
    await server.restart();
    for (const instance of [first, second]) {
      await eventually(async () => expect(await instance?.getState()).toMatchObject({ unknown: true, stale: false }));
      expect(await instance?.isActive()).toBe(true);
      expect(await instance?.getReason()).toMatch(/no state record in Redis.*explicit deactivate\(\)/);
    }
    const fresh = open();
    expect(await fresh.isActive()).toBe(true);
    expect((await fresh.getState()).unknown).toBe(true);
    await first?.deactivate({ actor: 'bob' });
    for (const instance of [first, second, fresh]) {
      await eventually(async () => expect(await instance?.isActive()).toBe(false));
    }
  });

  it('first use while Redis is down: isActive() waits at most staleAfterMs, then fails closed; ready() throws; an empty Redis stays unknown', async () => {
    server = await startRedisServer();
    await server.kill();
    const killSwitch = open();
    expect(await killSwitch.isActive()).toBe(true);
    expect((await killSwitch.getState()).stale).toBe(true);
    await expect(killSwitch.ready()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    await server.restart();
    await eventually(async () => expect((await killSwitch.getState()).stale).toBe(false));
    expect(await killSwitch.getState()).toMatchObject({ active: true, unknown: true });
    await killSwitch.deactivate();
    expect(await killSwitch.isActive()).toBe(false);
  });

  it('first use while Redis is down with failMode open (attacker: whoever cuts the link before a worker starts): never read is unknown, and unknown denies', async () => {
    server = await startRedisServer();
    await server.kill();
    const killSwitch = open({ failMode: 'open' });
    const seen: KillSwitchState[] = [];
    killSwitch.onChange((state) => seen.push(state));
    expect(await killSwitch.isActive()).toBe(true);
    expect(await killSwitch.getState()).toMatchObject({ active: true, stale: true });
    expect(await killSwitch.getReason()).toMatch(/unknown/);
    await expect(killSwitch.ready()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(seen.at(-1)).toMatchObject({ active: true, stale: true });
    await server.restart();
    await eventually(async () => expect((await killSwitch.getState()).stale).toBe(false));
    expect(await killSwitch.getState()).toMatchObject({ active: true, unknown: true });
    await killSwitch.deactivate();
    expect(await killSwitch.isActive()).toBe(false);
  });
});
