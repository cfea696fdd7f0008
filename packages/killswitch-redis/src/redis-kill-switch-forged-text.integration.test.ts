import { randomUUID } from 'node:crypto';
import {
  createSecurityEventEmitter,
  hasBidiControls,
  hasControlCharacters,
  InvalidInputError,
  type SecurityEvent,
} from '@warden/core';
import { describeWithService } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { appendChange } from '../test/change-stream.js';
import { createRedisKillSwitch, type RedisKillSwitch } from './redis-kill-switch.js';

// The attacker: anyone who can write to Redis, writing a record (and a history entry) whose
// reason, actor and time carry a newline, a terminal escape and a bidirectional override, so
// that whoever reads the security events or `getState()` (a log, a terminal, the console) sees
// lines the operator never wrote ("kill switch released by alice"). What must hold: no such
// character reaches an event or `getState()`, and the forged record denies (it is unknown).

const TIMINGS = { staleAfterMs: 400, refreshIntervalMs: 100, commandTimeoutMs: 300 } as const;
const FORGED_REASON = 'incident\n\u001b[2K[audit] kill switch released by alice\u202e';
const FORGED_ACTOR = 'mallory\r\nalice\u2028';
const FORGED_TIME = '2026-01-01T00:00:00Z\u001b]0;owned\u0007';

const eventually = (assertion: () => Promise<void> | void): Promise<void> =>
  vi.waitFor(assertion, { timeout: 90_000, interval: 25 });

/** Every string inside `value`, however deep. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(stringsIn);
}

const forgedStrings = (value: unknown): string[] =>
  stringsIn(value).filter((text) => hasControlCharacters(text) || hasBidiControls(text));

describeWithService('redis', 'Redis kill switch: control characters in a record written by hand', () => {
  const opened: RedisKillSwitch[] = [];
  const clients: Redis[] = [];

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((instance) => instance.close()));
    for (const redis of clients.splice(0)) redis.disconnect();
  });

  async function setUp() {
    const url = process.env.REDIS_URL ?? '';
    const name = `forged-text-${randomUUID()}`;
    const keyPrefix = 'warden-test:kill-switch:';
    const tagged = `${keyPrefix}{${name}}`;
    const events: SecurityEvent[] = [];
    const emitter = createSecurityEventEmitter();
    emitter.on('security', (event) => events.push(event));
    const open = (): RedisKillSwitch => {
      const instance = createRedisKillSwitch({ url, name, keyPrefix, ...TIMINGS, events: emitter });
      opened.push(instance);
      return instance;
    };
    const operator = open();
    const observer = open();
    const redis = new Redis(url, { maxRetriesPerRequest: 0 });
    redis.on('error', () => {});
    clients.push(redis);
    await operator.deactivate({ actor: 'bob' });
    await eventually(async () => expect(await observer.isActive()).toBe(false));
    /** Writes a forged record and history entry by hand, as a Redis user can, and announces it. */
    const forge = async (active: boolean): Promise<number> => {
      const version = Number(await redis.hget(`${tagged}:state`, 'version')) + 1;
      const record = { version, active: active ? '1' : '0', reason: FORGED_REASON, actor: FORGED_ACTOR };
      await redis.lpush(`${tagged}:history`, JSON.stringify({ ...record, changedAt: FORGED_TIME }));
      await redis.hset(`${tagged}:state`, { ...record, changedAt: FORGED_TIME, signature: '' });
      await appendChange(redis, `${tagged}:changes`, 'hint');
      return version;
    };
    return { operator, observer, events, forge };
  }

  /** Waits until `instance` has read the forged record, whatever it made of it. */
  const readForgery = (instance: RedisKillSwitch, version: number): Promise<void> =>
    eventually(async () => {
      const state = await instance.getState();
      expect(state.unknown === true || state.version === version).toBe(true);
    });

  it('a forged activation whose reason, actor and time hold control characters reaches no event and no getState(), and denies', async () => {
    const { operator, observer, events, forge } = await setUp();
    const version = await forge(true);
    for (const instance of [operator, observer]) {
      await readForgery(instance, version);
      const state = await instance.getState();
      expect(state.unknown).toBe(true);
      expect(state.active).toBe(true);
      expect(forgedStrings(state)).toEqual([]);
      expect(await instance.getReason()).toMatch(/cannot be read: failing closed/);
      expect(forgedStrings(await instance.getHistory())).toEqual([]);
    }
    await eventually(() => expect(events.some((event) => event.details.unknown === true)).toBe(true));
    expect(forgedStrings(events)).toEqual([]);
  });

  it('a forged release "by alice" with control characters in its actor is unknown (denies), never inactive', async () => {
    const { observer, events, forge } = await setUp();
    const version = await forge(false);
    await readForgery(observer, version);
    expect((await observer.getState()).unknown).toBe(true);
    expect(await observer.isActive()).toBe(true);
    expect(forgedStrings(await observer.getState())).toEqual([]);
    expect(forgedStrings(events)).toEqual([]);
  });

  it('activate(reason) and deactivate({ actor }) with a newline, an escape or an override are refused before anything is written', async () => {
    const { operator, observer } = await setUp();
    for (const reason of ['stop\nreleased by alice', 'stop\u001b[2K', 'stop\u202e']) {
      await expect(operator.activate(reason, { actor: 'alice' })).rejects.toSatisfy((error) =>
        InvalidInputError.isInstance(error),
      );
    }
    await expect(operator.activate('stop', { actor: 'alice\nbob' })).rejects.toSatisfy((error) =>
      InvalidInputError.isInstance(error),
    );
    await expect(operator.deactivate({ actor: 'bob\u001b[1A' })).rejects.toSatisfy((error) =>
      InvalidInputError.isInstance(error),
    );
    expect(await observer.isActive()).toBe(false);
    expect((await operator.getHistory()).length).toBe(1);
  });
});
