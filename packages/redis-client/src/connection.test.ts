import { inspect } from 'node:util';
import type { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisClient, duplicateForSubscriber, redactRedisError } from './connection.js';
import { reconnectDelay } from './reconnect-delay.js';
import { hashTaggedKey } from './script.js';

describe('createRedisClient(target)', () => {
  it('does not queue commands while disconnected, so a dead server fails fast', () => {
    const redis = createRedisClient({ kind: 'url', url: 'redis://127.0.0.1:1' }, 750) as Redis;
    expect(redis.options.enableOfflineQueue).toBe(false);
    // A command cut off by a lost connection is never resent: its caller may already have been told it failed.
    expect(redis.options.autoResendUnfulfilledCommands).toBe(false);
    expect(redis.options.lazyConnect).toBe(true);
    expect(redis.options.commandTimeout).toBe(750);
    expect(redis.status).toBe('wait');
    const subscriber = duplicateForSubscriber(redis, 750) as Redis;
    expect(subscriber.options.autoResubscribe).toBe(false);
    expect(subscriber.options.autoResendUnfulfilledCommands).toBe(false);
    expect(subscriber.options.enableOfflineQueue).toBe(false);
    redis.disconnect();
    subscriber.disconnect();
  });

  it('reconnects a dropped Cluster node connection instead of ending it (an ended one has its sent commands retried elsewhere)', () => {
    const cluster = createRedisClient({ kind: 'cluster', nodes: [{ host: '127.0.0.1', port: 1 }] }, 750) as Cluster;
    expect(cluster.options.clusterNodeRetryStrategy).toBe(reconnectDelay);
    const subscriber = duplicateForSubscriber(cluster, 750) as Cluster;
    expect(subscriber.options.clusterNodeRetryStrategy).toBe(reconnectDelay);
    cluster.disconnect();
    subscriber.disconnect();
  });
});

describe('createRedisClient(target) with credentials and TLS', () => {
  const auth = { username: 'warden', password: 'pw-secret', tls: true as const };

  it('passes them to a single Redis, to the master and sentinels of a Sentinel client, and to every Cluster node', () => {
    const single = createRedisClient({ kind: 'url', url: 'redis://127.0.0.1:1', auth }, 750) as Redis;
    expect(single.options).toMatchObject({
      username: 'warden',
      password: 'pw-secret',
      tls: { rejectUnauthorized: true },
    });
    const sentinel = createRedisClient(
      {
        kind: 'sentinel',
        sentinels: [{ host: '127.0.0.1', port: 1 }],
        masterName: 'm',
        auth: { ...auth, sentinelUsername: 'watcher', sentinelPassword: 'sentinel-secret' },
      },
      750,
    ) as Redis;
    expect(sentinel.options).toMatchObject({
      username: 'warden',
      password: 'pw-secret',
      sentinelUsername: 'watcher',
      sentinelPassword: 'sentinel-secret',
      enableTLSForSentinelMode: true,
      tls: { rejectUnauthorized: true },
      sentinelTLS: { rejectUnauthorized: true },
    });
    const cluster = createRedisClient(
      { kind: 'cluster', nodes: [{ host: '127.0.0.1', port: 1 }], auth },
      750,
    ) as Cluster;
    expect(cluster.options.redisOptions).toMatchObject({
      username: 'warden',
      password: 'pw-secret',
      tls: {},
      autoResendUnfulfilledCommands: false,
    });
    // The subscriber connection keeps them (Cluster's duplicate replaces redisOptions as a whole).
    const clusterSubscriber = duplicateForSubscriber(cluster, 750) as Cluster;
    expect(clusterSubscriber.options.redisOptions).toMatchObject({
      password: 'pw-secret',
      commandTimeout: 750,
      autoResendUnfulfilledCommands: false,
    });
    expect((duplicateForSubscriber(single, 750) as Redis).options.password).toBe('pw-secret');
    for (const client of [single, sentinel, cluster, clusterSubscriber]) client.disconnect();
  });

  it('never turns certificate checking off, whatever the TLS fields', () => {
    const tls = { servername: 'redis.internal', rejectUnauthorized: false } as unknown as { servername: string };
    const client = createRedisClient({ kind: 'url', url: 'redis://127.0.0.1:1', auth: { tls } }, 750) as Redis;
    expect(client.options.tls).toMatchObject({ servername: 'redis.internal', rejectUnauthorized: true });
    client.disconnect();
  });
});

describe('reconnectDelay(attempt)', () => {
  it('backs off from 50 ms and never waits more than a second', () => {
    expect([1, 2, 3, 4, 5, 6, 100].map(reconnectDelay)).toEqual([50, 100, 200, 400, 800, 1_000, 1_000]);
  });
});

describe('hashTaggedKey(prefix, tag, suffix)', () => {
  it('puts the tag in braces between prefix and suffix', () => {
    expect(hashTaggedKey('warden:kill-switch:', 'global', ':state')).toBe('warden:kill-switch:{global}:state');
  });
});

describe('redactRedisError(error)', () => {
  it('blanks the arguments of a failed AUTH (attacker: anyone reading logs), leaving other commands alone', () => {
    const auth = Object.assign(new Error('WRONGPASS'), { command: { name: 'auth', args: ['user', 'pw-secret'] } });
    expect(redactRedisError(auth).command.args).toEqual(['[redacted]', '[redacted]']);
    const get = Object.assign(new Error('x'), { command: { name: 'get', args: ['key'] } });
    expect(redactRedisError(get).command.args).toEqual(['key']);
    expect(redactRedisError('text')).toBe('text');
  });

  it('blanks a failed AUTH nested in another error (attacker: anyone reading logs of a Cluster that refused the password)', () => {
    // ioredis's Cluster reports "Failed to refresh slots cache." with the node's WRONGPASS reply,
    // AUTH arguments and all, as `lastNodeError`; other errors carry theirs as `cause` or `errors`.
    const wrongPass = (): Error =>
      Object.assign(new Error('WRONGPASS'), { command: { name: 'auth', args: ['user', 'pw-secret'] } });
    const clusterError = Object.assign(new Error('Failed to refresh slots cache.'), { lastNodeError: wrongPass() });
    const wrapped = new Error('outer', { cause: new AggregateError([new Error('x'), clusterError], 'all failed') });
    const looped = Object.assign(new Error('loop'), { cause: wrongPass() });
    Object.assign(looped.cause as Error, { cause: looped });
    for (const error of [clusterError, wrapped, looped]) {
      expect(inspect(redactRedisError(error), { depth: 20 })).not.toContain('pw-secret');
    }
  });
});
