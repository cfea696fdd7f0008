import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { AccessDeniedError, createSecurityEventEmitter, type SecurityEvent } from '@warden/core';
import { describeWithService, type RedisServerHandle, startRedisServer } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { sampleAnswers } from '../test/answer-sampler.js';
import { appendChange, readChanges } from '../test/change-stream.js';
import { createRedisKillSwitch, type RedisKillSwitch } from './redis-kill-switch.js';
import type { RedisKillSwitchConfig } from './redis-kill-switch-config.js';

// Short timings so faults show within a second; the defaults are 5 s stale, 1 s re-read.
const TIMINGS = { staleAfterMs: 400, refreshIntervalMs: 100, commandTimeoutMs: 300 } as const;
const FLOOD_MESSAGES = 20_000;

const eventually = (assertion: () => Promise<void> | void): Promise<void> =>
  vi.waitFor(assertion, { timeout: 90_000, interval: 25 });
const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

describeWithService(
  'redis',
  'Redis kill switch under attack: missing state, forged messages, clock steps, forged records',
  () => {
    let server: RedisServerHandle | undefined;
    const opened: RedisKillSwitch[] = [];
    const clients: Redis[] = [];
    const errors: unknown[] = [];

    const open = (url: string, config: RedisKillSwitchConfig = {}): RedisKillSwitch => {
      const killSwitch = createRedisKillSwitch({ url, ...TIMINGS, onError: (error) => errors.push(error), ...config });
      opened.push(killSwitch);
      return killSwitch;
    };
    const client = async (url: string): Promise<Redis> => {
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      redis.on('error', () => {});
      clients.push(redis);
      await redis.connect();
      return redis;
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((instance) => instance.close()));
      for (const redis of clients.splice(0)) redis.disconnect();
      await server?.dispose();
      server = undefined;
      errors.length = 0;
    });

    it('FLUSHALL while active (attacker: a fault or anyone with FLUSHALL): every instance, old and new, keeps denying', async () => {
      server = await startRedisServer();
      const instances = [open(server.url), open(server.url), open(server.url)];
      await instances[0]?.activate('incident before the flush', { actor: 'alice' });
      for (const instance of instances) await eventually(async () => expect(await instance.isActive()).toBe(true));
      const sampler = sampleAnswers(instances);
      await (await client(server.url)).flushall();
      for (const instance of instances) {
        await eventually(async () => expect((await instance.getState()).unknown).toBe(true));
      }
      const late = open(server.url);
      expect(await late.isActive()).toBe(true);
      expect(await late.getReason()).toMatch(/no state record in Redis.*explicit deactivate\(\)/);
      const tallies = await sampler.stop();
      console.log(`FLUSHALL while active: answers per instance ${JSON.stringify(tallies)}`);
      expect(tallies.every((tally) => tally.inactive === 0 && tally.active > 0)).toBe(true);
    });

    it('a Redis without persistence is reported once through onError and a policy_warning event', async () => {
      server = await startRedisServer();
      const events: SecurityEvent[] = [];
      const emitter = createSecurityEventEmitter();
      emitter.on('security', (event) => events.push(event));
      const killSwitch = open(server.url, { events: emitter });
      await killSwitch.ready();
      await killSwitch.deactivate();
      await sleep(TIMINGS.refreshIntervalMs * 4);
      await eventually(() => expect(events.filter((event) => event.type === 'policy_warning')).toHaveLength(1));
      const warnings = errors.filter((error) => String(error).includes('keeps no kill switch state across a restart'));
      expect(warnings).toHaveLength(1);
      expect(String(warnings[0])).toMatch(/appendonly no/);
    });

    it("a flood of replayed and forged change-stream entries and messages (attacker: anyone who can write the switch's keys or PUBLISH) never turns an active switch inactive", async () => {
      const url = process.env.REDIS_URL ?? '';
      const name = `attack-${randomUUID()}`;
      const keyPrefix = 'warden-test:kill-switch:';
      const changesKey = `${keyPrefix}{${name}}:changes`;
      const instances = [
        open(url, { name, keyPrefix }),
        open(url, { name, keyPrefix }),
        open(url, { name, keyPrefix }),
      ];
      const operator = instances[0];
      await operator?.deactivate({ actor: 'bob' });
      await operator?.activate('real incident', { actor: 'alice' });
      await operator?.deactivate({ actor: 'bob' });
      await operator?.activate('real incident, again', { actor: 'alice' });
      for (const instance of instances)
        await eventually(async () => expect(await instance.getReason()).toBe('real incident, again'));
      const publisher = await client(url);
      const captured = await readChanges(publisher, changesKey);
      expect(captured).toHaveLength(4);
      const forgeries = [
        ...captured,
        '999999',
        JSON.stringify({ version: 1_000_000, active: false, actor: 'mallory', changedAt: new Date().toISOString() }),
        JSON.stringify({ epoch: 'e', version: 2 ** 40, active: '0' }),
        'active=0',
        '',
      ];
      const readsBefore = await hgetallCalls(publisher);
      const sampler = sampleAnswers(instances);
      for (let sent = 0; sent < FLOOD_MESSAGES; sent += 1_000) {
        const pipeline = publisher.pipeline();
        for (let index = 0; index < 1_000; index += 1) {
          const message = (forgeries[(sent + index) % forgeries.length] ?? '').replace(
            '1000000',
            String(sent + index + 1_000_000),
          );
          // Half as entries of the change stream, half as messages on a channel of the same name
          // (where earlier versions announced changes: nobody listens there now).
          if (index % 2 === 0) pipeline.xadd(changesKey, '*', 'record', message);
          else pipeline.publish(changesKey, message);
        }
        await pipeline.exec();
        await sleep(10);
      }
      await sleep(TIMINGS.refreshIntervalMs * 3);
      const tallies = await sampler.stop();
      const reads = (await hgetallCalls(publisher)) - readsBefore;
      console.log(
        `flood of ${FLOOD_MESSAGES} forged/replayed entries and messages: answers per instance ${JSON.stringify(tallies)}, ` +
          `state re-reads by all instances ${reads}`,
      );
      expect(tallies.every((tally) => tally.inactive === 0 && tally.active > 0)).toBe(true);
      for (const instance of instances)
        expect(await instance.getState()).toMatchObject({ active: true, actor: 'alice' });
    });

    it('forged "active" messages change nothing; forged "active" change-stream entries deny only until the next re-read of the record', async () => {
      const url = process.env.REDIS_URL ?? '';
      const name = `attack-${randomUUID()}`;
      const keyPrefix = 'warden-test:kill-switch:';
      const changesKey = `${keyPrefix}{${name}}:changes`;
      const [instance] = [open(url, { name, keyPrefix })];
      await instance?.deactivate({ actor: 'bob' });
      const publisher = await client(url);
      const forged = (index: number): string => JSON.stringify({ version: index + 10, active: true, reason: 'forged' });
      const sampler = sampleAnswers(instance ? [instance] : []);
      for (let index = 0; index < 2_000; index += 1) void publisher.publish(changesKey, forged(index));
      // Nobody listens on any channel of the switch: a message reaches no instance.
      expect(await publisher.publish(changesKey, forged(0))).toBe(0);
      await sleep(TIMINGS.refreshIntervalMs * 2);
      const [tally] = await sampler.stop();
      expect(tally?.active).toBe(0);

      // A forged entry is as strong as a forged record (both need write access to the switch's
      // keys): it may deny, never release, and here the record says inactive, so it holds only
      // until the next re-read.
      await appendChange(publisher, changesKey, forged(1_000_000));
      await eventually(async () => expect(await instance?.getReason()).toBe('forged'));
      await eventually(async () => expect(await instance?.getState()).toMatchObject({ active: false, actor: 'bob' }));
    });

    it('replayed signed entries and messages (attacker: a Redis user with captured signed releases) never turn an active or unknown switch inactive', async () => {
      server = await startRedisServer();
      const operatorKeys = generateKeyPairSync('ed25519');
      const verifyKey = operatorKeys.publicKey;
      const name = `replay-${randomUUID()}`;
      const changesKey = `warden:kill-switch:{${name}}:changes`;
      const operator = open(server.url, { name, verifyKey, signingKey: operatorKeys.privateKey });
      const readers = [open(server.url, { name, verifyKey }), open(server.url, { name, verifyKey })];
      await operator.deactivate({ actor: 'bob' });
      await operator.activate('incident', { actor: 'alice' });
      await operator.deactivate({ actor: 'bob' });
      await operator.activate('incident, again', { actor: 'alice' });
      for (const reader of readers)
        await eventually(async () => expect(await reader.getReason()).toBe('incident, again'));
      const publisher = await client(server.url);
      const captured = await readChanges(publisher, changesKey);
      expect(captured).toHaveLength(4);
      const releases = captured.filter((message) => JSON.parse(message).active === false);
      expect(releases).toHaveLength(2);
      const replay = async (): Promise<void> => {
        for (let round = 0; round < 500; round += 1)
          for (const message of releases) {
            void publisher.xadd(changesKey, '*', 'record', message);
            void publisher.publish(changesKey, message);
          }
        await publisher.ping();
        await sleep(TIMINGS.refreshIntervalMs * 2);
      };
      const sampler = sampleAnswers(readers);
      await replay();
      // Data lost: every instance is unknown; a release replayed now must not resolve it.
      await publisher.flushall();
      for (const reader of readers) await eventually(async () => expect((await reader.getState()).unknown).toBe(true));
      await replay();
      const late = open(server.url, { name, verifyKey });
      expect(await late.isActive()).toBe(true);
      const lateSampler = sampleAnswers([late]);
      await replay();
      const tallies = [...(await sampler.stop()), ...(await lateSampler.stop())];
      console.log(`replayed signed releases: answers per reader ${JSON.stringify(tallies)}`);
      expect(tallies.every((tally) => tally.inactive === 0 && tally.active > 0)).toBe(true);
      for (const reader of [...readers, late]) {
        expect(await reader.getState()).toMatchObject({ active: true, unknown: true });
      }
    });

    it('the wall clock stepped back an hour while Redis is down (attacker: a clock step): the copy still goes stale and denies', async () => {
      server = await startRedisServer();
      let wallClock = Date.now();
      const instances = [open(server.url, { now: () => wallClock }), open(server.url, { now: () => wallClock })];
      await instances[0]?.deactivate({ actor: 'bob' });
      for (const instance of instances) await eventually(async () => expect(await instance.isActive()).toBe(false));
      await server.kill();
      wallClock -= 3_600_000;
      for (const instance of instances) {
        await eventually(async () => expect(await instance.isActive()).toBe(true));
        expect(await instance.getState()).toMatchObject({ active: true, stale: true });
      }
      await sleep(TIMINGS.staleAfterMs);
      for (const instance of instances) expect(await instance.isActive()).toBe(true);
    });

    it('signed state (attacker: a Redis user without the operator key): HSET by hand, another key, another switch, a rollback never read inactive', async () => {
      const url = process.env.REDIS_URL ?? '';
      const operatorKeys = generateKeyPairSync('ed25519');
      const mallory = generateKeyPairSync('ed25519');
      const name = `signed-${randomUUID()}`;
      const keyPrefix = 'warden-test:kill-switch:';
      const stateKey = `${keyPrefix}{${name}}:state`;
      const verifyKey = operatorKeys.publicKey;
      const operator = open(url, { name, keyPrefix, verifyKey, signingKey: operatorKeys.privateKey });
      const readers = [open(url, { name, keyPrefix, verifyKey }), open(url, { name, keyPrefix, verifyKey })];
      const attackerSwitch = open(url, { name, keyPrefix, signingKey: mallory.privateKey });
      const redis = await client(url);
      const expectAllDeny = async (why: RegExp): Promise<void> => {
        for (const reader of readers) {
          await eventually(async () => {
            expect(await reader.getState()).toMatchObject({ active: true, unknown: true });
            expect(await reader.getReason()).toMatch(why);
          });
        }
      };

      await operator.deactivate({ actor: 'alice' });
      for (const reader of readers) await eventually(async () => expect(await reader.isActive()).toBe(false));
      const signedRelease = await redis.hgetall(stateKey);
      const activate = async (reason: string): Promise<void> => {
        await operator.activate(reason, { actor: 'alice' });
        for (const reader of readers) await eventually(async () => expect(await reader.getReason()).toBe(reason));
      };
      await activate('incident');

      const sampler = sampleAnswers(readers);
      const version = Number(await redis.hget(stateKey, 'version')) + 1;
      await redis.hset(stateKey, { version, active: '0', reason: '', actor: 'mallory', signature: '' });
      await appendChange(redis, `${keyPrefix}{${name}}:changes`, String(version));
      await expectAllDeny(/not signed by the operator's key/);

      await activate('incident, again');
      await attackerSwitch.deactivate({ actor: 'mallory' });
      await expectAllDeny(/not signed by the operator's key/);

      await activate('incident, third time');

      await redis.hset(stateKey, signedRelease);
      await appendChange(redis, `${keyPrefix}{${name}}:changes`, 'replay');
      await expectAllDeny(/rollback/);

      const otherName = `signed-${randomUUID()}`;
      const other = open(url, { name: otherName, keyPrefix, verifyKey, signingKey: operatorKeys.privateKey });
      await other.deactivate({ actor: 'alice' });
      await redis.hset(stateKey, await redis.hgetall(`${keyPrefix}{${otherName}}:state`));
      await appendChange(redis, `${keyPrefix}{${name}}:changes`, 'copied');
      await expectAllDeny(/not signed by the operator's key|rollback/);
      const tallies = await sampler.stop();
      console.log(`signed-state forgeries: answers per reader ${JSON.stringify(tallies)}`);
      expect(tallies.every((tally) => tally.inactive === 0)).toBe(true);

      const error = await readers[0]?.deactivate({ actor: 'mallory' }).catch((caught: unknown) => caught);
      expect(AccessDeniedError.isInstance(error)).toBe(true);
      await operator.deactivate({ actor: 'alice' });
      for (const reader of readers) await eventually(async () => expect(await reader.isActive()).toBe(false));
    });
  },
);

async function hgetallCalls(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(/cmdstat_hgetall:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}
