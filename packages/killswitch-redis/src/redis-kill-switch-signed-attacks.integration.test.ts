import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { ConflictError, createSecurityEventEmitter } from '@warden/core';
import { describeWithService } from '@warden/testing';
import { Redis } from 'ioredis';
import { afterEach, expect, it, vi } from 'vitest';
import { sampleAnswers } from '../test/answer-sampler.js';
import { appendChange, readChanges } from '../test/change-stream.js';
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
  const client = async (at = url): Promise<Redis> => {
    const redis = new Redis(at, { lazyConnect: true, maxRetriesPerRequest: 0 });
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
    await appendChange(redis, `${victim.keyPrefix}{${victim.name}}:changes`, 'copied');
    await eventually(async () => {
      const state = await reader.getState();
      expect(state.unknown === true || state.version === Number(copied.version)).toBe(true);
    });
    const [tally] = await sampler.stop();
    expect(tally?.inactive).toBe(0);
    expect(await reader.getReason()).toMatch(/not signed by the operator's key/);
  });

  it('a release signed for the same switch in another database of the same Redis (attacker: a Redis user copying records across SELECT) never reads inactive', async () => {
    const operatorKeys = generateKeyPairSync('ed25519');
    const verifyKey = operatorKeys.publicKey;
    const signingKey = operatorKeys.privateKey;
    const sameSwitch = { name: `db-${randomUUID()}`, keyPrefix: 'warden-test:kill-switch:' };
    const stateKey = `${sameSwitch.keyPrefix}{${sameSwitch.name}}:state`;
    // One operator key for both deployments: production in database 14, staging in 15.
    const production = { ...sameSwitch, url: `${url}/14` };
    const staging = { ...sameSwitch, url: `${url}/15` };
    const productionOperator = open({ ...production, verifyKey, signingKey });
    const reader = open({ ...production, verifyKey });
    await productionOperator.deactivate({ actor: 'alice' });
    await productionOperator.activate('incident in production', { actor: 'alice' });
    await eventually(async () => expect(await reader.getReason()).toBe('incident in production'));
    await open({ ...staging, verifyKey, signingKey }).deactivate({ actor: 'alice' });

    const redis = await client();
    await redis.select(15);
    const copied = await redis.hgetall(stateKey);
    await redis.select(14);
    const sampler = sampleAnswers([reader]);
    await redis.hset(stateKey, copied);
    await appendChange(redis, `${sameSwitch.keyPrefix}{${sameSwitch.name}}:changes`, 'copied');
    await eventually(async () => {
      const state = await reader.getState();
      expect(state.unknown === true || state.version === Number(copied.version)).toBe(true);
    });
    const [tally] = await sampler.stop();
    expect(tally?.inactive).toBe(0);
    expect(await reader.getReason()).toMatch(/not signed by the operator's key/);
  });

  it("the same switch in two databases (one operator key): a release signed in staging, copied into production's change stream, never releases production", async () => {
    const operatorKeys = generateKeyPairSync('ed25519');
    const verifyKey = operatorKeys.publicKey;
    const signingKey = operatorKeys.privateKey;
    const sameSwitch = { name: `channel-${randomUUID()}`, keyPrefix: 'warden-test:kill-switch:' };
    const production = { ...sameSwitch, url: `${url}/14`, verifyKey };
    const staging = { ...sameSwitch, url: `${url}/15`, verifyKey, signingKey };
    const productionOperator = open({ ...production, signingKey });
    const reader = open(production);
    await productionOperator.deactivate({ actor: 'alice' });
    await productionOperator.activate('incident in production', { actor: 'alice' });
    await eventually(async () => expect(await reader.getReason()).toBe('incident in production'));

    const sampler = sampleAnswers([reader]);
    const stagingOperator = open(staging);
    await stagingOperator.deactivate({ actor: 'bob' });
    await stagingOperator.activate('drill', { actor: 'bob' });
    await stagingOperator.deactivate({ actor: 'bob' });
    // The change stream is a key of each database: a Redis user copies staging's signed release
    // into production's (it is later than anything production saw: only the binding stands in the way).
    const changesKey = `${sameSwitch.keyPrefix}{${sameSwitch.name}}:changes`;
    const stagingRelease = (await readChanges(await client(`${url}/15`), changesKey)).at(-1) ?? '';
    expect(JSON.parse(stagingRelease)).toMatchObject({ active: false, actor: 'bob' });
    await appendChange(await client(`${url}/14`), changesKey, stagingRelease);
    await eventually(async () => expect(await reader.getState()).toMatchObject({ active: true, stale: false }));
    const [tally] = await sampler.stop();
    expect(tally?.inactive).toBe(0);
    expect(await reader.getReason()).toBe('incident in production');
  });

  // Same millisecond: the release and the activation that beat it carry one version. Clock ahead:
  // the release carries a higher version than every activation that beat it.
  it.each([
    ['in the same millisecond', 1_000],
    ['on a host whose clock runs ahead', 60_000],
  ])(
    'a release that lost its race to an activation %s, captured with MONITOR (attacker: a Redis user replaying it) never reads inactive',
    async (_when, personClock) => {
      const operatorKeys = generateKeyPairSync('ed25519');
      const verifyKey = operatorKeys.publicKey;
      const name = `race-${randomUUID()}`;
      const keyPrefix = 'warden-test:kill-switch:';
      const stateKey = `${keyPrefix}{${name}}:state`;
      // Two operator processes: an automated stop keeps activating while a person releases.
      const automation = open({ name, keyPrefix, verifyKey, signingKey: operatorKeys.privateKey, now: () => 1_000 });
      const reader = open({ name, keyPrefix, verifyKey });
      await automation.deactivate({ actor: 'automation' });
      await automation.activate('anomaly', { actor: 'automation' });

      // The person's process: before each of its writes reaches Redis, the automation activates again.
      const personRedis = await client();
      const evalsha = personRedis.evalsha.bind(personRedis) as (...args: unknown[]) => Promise<unknown>;
      Object.assign(personRedis, {
        evalsha: async (...args: unknown[]) => {
          await automation.activate('anomaly, again', { actor: 'automation' });
          return evalsha(...args);
        },
      });
      const personKeys = { verifyKey, signingKey: operatorKeys.privateKey };
      const person = open({ redis: personRedis, name, keyPrefix, ...personKeys, now: () => personClock });
      await person.ready();

      const monitor = await (await client()).monitor();
      const seen: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[]) => seen.push(args));
      const error = await person.deactivate({ actor: 'bob' }).catch((caught: unknown) => caught);
      expect(ConflictError.isInstance(error)).toBe(true);
      await eventually(async () => expect(await reader.getReason()).toBe('anomaly, again'));
      monitor.disconnect();

      // Every release the person signed, as MONITOR showed it: EVALSHA sha numkeys keys… then the
      // arguments stream bound, active, reason, actor, changedAt, history limit, version, expected,
      // signature, skip-if-inactive, basis.
      const signedReleases = seen
        .filter((args) => /^evalsha$/i.test(args[0] ?? '') && args[3] === stateKey)
        .map((args) => args.slice(3 + Number(args[2])))
        .filter((argv) => argv[1] === '0' && (argv[8] ?? '') !== '');
      expect(signedReleases.length).toBeGreaterThan(0);
      const redis = await client();

      // Released for real (the reader holds a release older than the captured ones, and an
      // activation newer than their basis), then the captured releases replayed as change-stream entries: one
      // that does not judge "known" is only a hint to re-read, never an answer of its own.
      await automation.deactivate({ actor: 'automation' });
      await eventually(async () => expect(await reader.isActive()).toBe(false));
      const released = sampleAnswers([reader]);
      const readsBefore = await hgetallCalls(redis);
      for (const [, , reason, actor, changedAt, , version, , signature, , basis] of signedReleases) {
        const message = { version, active: false, reason, actor, changedAt, signature, basis };
        await appendChange(redis, `${keyPrefix}{${name}}:changes`, JSON.stringify(message));
      }
      await eventually(async () => expect(await hgetallCalls(redis)).toBeGreaterThan(readsBefore + 1));
      const [releasedTally] = await released.stop();
      expect(releasedTally?.active).toBe(0);

      // Active again, then the captured releases written back to the state itself.
      await automation.activate('anomaly, third time', { actor: 'automation' });
      await eventually(async () => expect(await reader.getReason()).toBe('anomaly, third time'));

      const sampler = sampleAnswers([reader]);
      for (const [, , reason, actor, changedAt, , version, , signature, , basis] of signedReleases) {
        await redis.hset(stateKey, { version, active: '0', reason, actor, changedAt, signature, basis: basis ?? '' });
        await appendChange(redis, `${keyPrefix}{${name}}:changes`, 'replay');
        // Once it has judged the replayed record: unknown (refused), or holding it (taken).
        await eventually(async () => {
          const state = await reader.getState();
          expect(state.unknown === true || state.version === Number(version)).toBe(true);
        });
      }
      const [tally] = await sampler.stop();
      expect(tally?.inactive).toBe(0);
      expect(await reader.getState()).toMatchObject({ active: true, unknown: true });
    },
  );
  it('deactivate() by the operator over a replayed signed release (attacker: a Redis user rolling the record back) writes a release every instance takes', async () => {
    const operatorKeys = generateKeyPairSync('ed25519');
    const verifyKey = operatorKeys.publicKey;
    const name = `rollback-${randomUUID()}`;
    const keyPrefix = 'warden-test:kill-switch:';
    const stateKey = `${keyPrefix}{${name}}:state`;
    const operator = open({ name, keyPrefix, verifyKey, signingKey: operatorKeys.privateKey });
    const reader = open({ name, keyPrefix, verifyKey });
    const redis = await client();
    await operator.deactivate({ actor: 'alice' });
    const oldRelease = await redis.hgetall(stateKey);
    await operator.activate('incident', { actor: 'alice' });
    await eventually(async () => expect(await reader.getReason()).toBe('incident'));

    await redis.hset(stateKey, oldRelease);
    await appendChange(redis, `${keyPrefix}{${name}}:changes`, 'rollback');
    for (const instance of [operator, reader]) {
      await eventually(async () => expect(await instance.getReason()).toMatch(/rollback/));
    }
    // The operator sees the rollback too: its release must not be "already inactive, nothing to do".
    await operator.deactivate({ actor: 'alice' });
    expect(await redis.hget(stateKey, 'version')).not.toBe(oldRelease.version);
    await eventually(async () => expect(await reader.getState()).toMatchObject({ active: false, actor: 'alice' }));
    expect(await operator.getState()).toMatchObject({ active: false, stale: false });
  });
  it('an activation whose reason or actor holds a lone surrogate is refused (attacker: a Redis user rolling back to the release before it)', async () => {
    // Redis stores text as UTF-8: half an emoji (a UI cutting a string) came back as U+FFFD, the
    // signature no longer verified, the activation read as unsigned and raised no floor, so the
    // older signed release, written back, read inactive on every instance.
    const operatorKeys = generateKeyPairSync('ed25519');
    const verifyKey = operatorKeys.publicKey;
    const name = `surrogate-${randomUUID()}`;
    const keyPrefix = 'warden-test:kill-switch:';
    const stateKey = `${keyPrefix}{${name}}:state`;
    const operator = open({ name, keyPrefix, verifyKey, signingKey: operatorKeys.privateKey });
    const reader = open({ name, keyPrefix, verifyKey });
    const redis = await client();
    await operator.deactivate({ actor: 'alice' });
    const oldRelease = await redis.hgetall(stateKey);
    for (const [reason, actor] of [
      ['CPU \u{1F525} spike \uD83D', 'alice'],
      ['incident', 'al\uDC00ice'],
    ] as const) {
      await expect(operator.activate(reason, { actor })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    await expect(operator.deactivate({ actor: 'bob\uD800' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await redis.hget(stateKey, 'version')).toBe(oldRelease.version);
    expect(await operator.getState()).toMatchObject({ active: false });

    // A whole emoji round-trips: the activation stays signed, and the older release written back is a rollback.
    await operator.activate('CPU \u{1F525} spike', { actor: 'alice' });
    await eventually(async () => expect(await reader.getReason()).toBe('CPU \u{1F525} spike'));
    await redis.hset(stateKey, oldRelease);
    await appendChange(redis, `${keyPrefix}{${name}}:changes`, 'rollback');
    await eventually(async () => expect(await reader.getReason()).toMatch(/rollback/));
    expect(await reader.isActive()).toBe(true);
  });
  it('observed events (attacker: a Redis user pushing forged history entries) never report a release nobody signed, nor hide later changes', async () => {
    const operatorKeys = generateKeyPairSync('ed25519');
    const verifyKey = operatorKeys.publicKey;
    const name = `audit-${randomUUID()}`;
    const keyPrefix = 'warden-test:kill-switch:';
    const tagged = `${keyPrefix}{${name}}`;
    const observed: Array<{ type: string; details: Record<string, unknown> }> = [];
    const events = createSecurityEventEmitter();
    events.on('security', (event) => {
      if (event.details?.observed === true) observed.push({ type: event.type, details: event.details });
    });
    const operator = open({ name, keyPrefix, verifyKey, signingKey: operatorKeys.privateKey });
    const observer = open({ name, keyPrefix, verifyKey, events });
    await observer.ready();
    await operator.deactivate({ actor: 'alice' });
    await operator.activate('incident', { actor: 'alice' });
    await eventually(() => expect(observed.map((event) => event.details.reason)).toContain('incident'));

    // Forged entries: a release "by alice" just after the current version, and one far ahead.
    const redis = await client();
    const version = Number(await redis.hget(`${tagged}:state`, 'version'));
    for (const forged of [version + 1, 999_999_999_999_999]) {
      const entry = { version: forged, active: false, reason: '', actor: 'alice', changedAt: new Date().toISOString() };
      await redis.lpush(`${tagged}:history`, JSON.stringify(entry));
    }
    // A change the observer takes (a forged activation may only deny), so it reads the history.
    await redis.hset(`${tagged}:state`, {
      version: version + 2,
      active: '1',
      reason: 'forged',
      actor: 'mallory',
      signature: '',
    });
    await appendChange(redis, `${tagged}:changes`, 'hint');
    await eventually(() => expect(observed.map((event) => event.details.reason)).toContain('forged'));

    await operator.deactivate({ actor: 'bob' });
    await operator.activate('incident, again', { actor: 'carol' });
    await eventually(() => expect(observed.map((event) => event.details.reason)).toContain('incident, again'));
    const releases = observed.filter((event) => event.type === 'kill_switch_deactivated');
    // Alice's real release at deployment, then Bob's: neither forged one, and Bob's not hidden.
    expect(releases.map((event) => [event.details.actor, event.details.signed])).toEqual([
      ['alice', true],
      ['bob', true],
    ]);
    expect(releases.map((event) => event.details.version)).not.toContain(version + 1);
    expect(observed.find((event) => event.details.reason === 'forged')?.details).toMatchObject({ signed: false });
    expect(observed.find((event) => event.details.reason === 'incident, again')?.details).toMatchObject({
      actor: 'carol',
      signed: true,
    });
  });
  it('an unsigned activation numbered near 2^53 (attacker: a Redis user without the key) denies only until the operator releases again', async () => {
    const operatorKeys = generateKeyPairSync('ed25519');
    const verifyKey = operatorKeys.publicKey;
    const signingKey = operatorKeys.privateKey;
    const name = `floor-${randomUUID()}`;
    const keyPrefix = 'warden-test:kill-switch:';
    const stateKey = `${keyPrefix}{${name}}:state`;
    const reader = open({ name, keyPrefix, verifyKey });
    await reader.ready();
    await open({ name, keyPrefix, verifyKey, signingKey }).activate('incident', { actor: 'alice' });
    await eventually(async () => expect(await reader.getReason()).toBe('incident'));

    const redis = await client();
    const forged = { version: String(Number.MAX_SAFE_INTEGER), active: '1', reason: 'forged', actor: 'mallory' };
    await redis.hset(stateKey, { ...forged, signature: '' });
    await appendChange(redis, `${keyPrefix}{${name}}:changes`, 'hint');
    await eventually(async () => expect(await reader.getReason()).toBe('forged'));
    await redis.del(stateKey);
    await eventually(async () => expect((await reader.getState()).unknown).toBe(true));

    // The operator's CLI, started now, has seen none of it.
    await open({ name, keyPrefix, verifyKey, signingKey }).deactivate({ actor: 'alice' });
    await eventually(async () => expect(await reader.getState()).toMatchObject({ active: false, actor: 'alice' }));
  });
  it.each([
    ['without keys', false],
    ['with signed state', true],
  ])(
    'a state key of another type (attacker: a Redis user who SETs it) is unknown at once, even with failMode open, and activate() and deactivate() rewrite it and the change stream (%s)',
    async (_keys, signed) => {
      const operatorKeys = generateKeyPairSync('ed25519');
      const keys = signed ? { verifyKey: operatorKeys.publicKey } : {};
      const name = `type-${randomUUID()}`;
      const keyPrefix = 'warden-test:kill-switch:';
      const tagged = `${keyPrefix}{${name}}`;
      const operator = open({ name, keyPrefix, ...keys, ...(signed ? { signingKey: operatorKeys.privateKey } : {}) });
      const reader = open({ name, keyPrefix, ...keys, failMode: 'open' });
      await operator.deactivate({ actor: 'alice' });
      await eventually(async () => expect(await reader.isActive()).toBe(false));

      const redis = await client();
      await redis.set(`${tagged}:state`, 'not a hash');
      await redis.set(`${tagged}:history`, 'not a list');
      await appendChange(redis, `${tagged}:changes`, 'hint');
      await eventually(async () => expect(await reader.getState()).toMatchObject({ active: true, unknown: true }));
      // The change stream too: followers cannot read it (the periodic re-read still answers), and
      // the next change replaces it.
      await redis.del(`${tagged}:changes`);
      await redis.set(`${tagged}:changes`, 'not a stream');

      await operator.activate('incident', { actor: 'alice' });
      await eventually(async () => expect(await reader.getReason()).toBe('incident'));
      expect(await redis.type(`${tagged}:changes`)).toBe('stream');
      await redis.del(`${tagged}:state`);
      await redis.sadd(`${tagged}:state`, 'not a hash either');
      await operator.deactivate({ actor: 'alice' });
      await eventually(async () => expect(await reader.getState()).toMatchObject({ active: false, stale: false }));
      expect((await operator.getHistory())[0]).toMatchObject({ active: false, actor: 'alice' });
    },
  );
});

async function hgetallCalls(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  return Number(/cmdstat_hgetall:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}
