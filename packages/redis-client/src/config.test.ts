import { InvalidInputError, parseInput } from '@warden/core';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { keyPrefixSchema, redisConnectionShape, resolveRedisTarget, topologyOf } from './config.js';

const schema = z.object(redisConnectionShape).strict();
const resolve = (config: unknown, env: NodeJS.ProcessEnv = {}) =>
  resolveRedisTarget(parseInput(schema, config, 'test settings'), 'test settings', env);

function invalid(action: () => unknown): InvalidInputError {
  try {
    action();
  } catch (error) {
    expect(InvalidInputError.isInstance(error)).toBe(true);
    return error as InvalidInputError;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('resolveRedisTarget(parsed)', () => {
  it('takes url, then REDIS_URL', () => {
    expect(resolve({ url: 'redis://a:1' })).toEqual({ kind: 'url', url: 'redis://a:1' });
    expect(resolve({}, { REDIS_URL: 'redis://b:2' })).toEqual({ kind: 'url', url: 'redis://b:2' });
  });

  it('takes sentinels with their master name, and cluster nodes', () => {
    const sentinels = [{ host: '127.0.0.1', port: 26379 }];
    expect(resolve({ sentinels, sentinelMasterName: 'warden' })).toEqual({
      kind: 'sentinel',
      sentinels,
      masterName: 'warden',
    });
    expect(resolve({ clusterNodes: sentinels })).toEqual({ kind: 'cluster', nodes: sentinels });
  });

  it('refuses two targets, sentinels without a master name, and nothing at all, naming the field', () => {
    expect(invalid(() => resolve({ url: 'redis://a:1', clusterNodes: [{ host: 'h', port: 1 }] })).message).toMatch(
      /clusterNodes: give only one/,
    );
    expect(invalid(() => resolve({ sentinels: [{ host: 'h', port: 1 }] })).message).toMatch(/sentinelMasterName/);
    expect(invalid(() => resolve({ sentinelMasterName: 'm' })).message).toMatch(/sentinelMasterName: needs sentinels/);
    expect(invalid(() => resolve({})).message).toMatch(/url: set url, REDIS_URL/);
  });

  it('tells the topology of an injected client', () => {
    const single = new Redis({ lazyConnect: true });
    const sentinel = new Redis({ lazyConnect: true, sentinels: [{ host: '127.0.0.1', port: 1 }], name: 'm' });
    const cluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    expect(topologyOf({ kind: 'client', client: single })).toBe('single');
    expect(topologyOf({ kind: 'client', client: sentinel })).toBe('sentinel');
    expect(topologyOf({ kind: 'client', client: cluster })).toBe('cluster');
    for (const client of [single, sentinel, cluster]) client.disconnect();
  });
});

describe('keyPrefixSchema', () => {
  it('refuses braces: hash tags are added per key', () => {
    expect(keyPrefixSchema.safeParse('warden:').success).toBe(true);
    expect(keyPrefixSchema.safeParse('{warden}:').success).toBe(false);
  });
});
