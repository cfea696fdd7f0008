import { InvalidInputError, parseInput } from '@warden/core';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { databaseOf, keyPrefixSchema, redisConnectionShape, resolveRedisTarget, topologyOf } from './config.js';

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

describe('databaseOf(target)', () => {
  it('reads the database a URL selects (path, else the db parameter), 0 without one', () => {
    expect(databaseOf(resolve({ url: 'redis://h:1' }))).toBe(0);
    expect(databaseOf(resolve({ url: 'redis://h:1/' }))).toBe(0);
    expect(databaseOf(resolve({ url: 'redis://u:p@h:1/14' }))).toBe(14);
    expect(databaseOf(resolve({ url: 'rediss://h:1/?db=3' }))).toBe(3);
  });

  it("reads an injected client's db option; Sentinel and Cluster select 0", () => {
    const single = new Redis({ lazyConnect: true, db: 5 });
    expect(databaseOf({ kind: 'client', client: single })).toBe(5);
    single.disconnect();
    expect(databaseOf({ kind: 'cluster', nodes: [{ host: 'h', port: 1 }] })).toBe(0);
    expect(databaseOf({ kind: 'sentinel', sentinels: [{ host: 'h', port: 1 }], masterName: 'm' })).toBe(0);
  });

  it('reads 0 for an injected client without options (a wrapper or mock), instead of throwing a TypeError', () => {
    const client = Object.fromEntries(
      ['eval', 'evalsha', 'duplicate', 'hgetall', 'pipeline'].map((name) => [name, () => {}]),
    ) as unknown as Redis;
    expect(databaseOf({ kind: 'client', client })).toBe(0);
    expect(topologyOf({ kind: 'client', client })).toBe('single');
  });

  it('refuses a URL path that is not a database number (ioredis would select 0 or a prefix of it), without repeating the URL', () => {
    for (const url of ['redis://u:s3cret@h:1/prod', 'redis://u:s3cret@h:1/1x', 'redis://u:s3cret@h:1/1/2']) {
      const error = invalid(() => resolve({ url }));
      expect(error.message).toMatch(/url: the path must be a database number/);
      expect(error.message).not.toContain('s3cret');
    }
  });

  it('refuses credentials that are not valid percent-encoding (ioredis threw a URIError at the first command), without repeating them', () => {
    for (const url of ['redis://:s3cret%zz@h:1', 'redis://u%E0:s3cret@h:1/0', 'redis://u:s3cret%@h:1']) {
      const error = invalid(() => resolve({ url }));
      expect(error.message).toMatch(/url: the user and password must be valid percent-encoding/);
      expect(error.message).not.toContain('s3cret');
    }
    expect(resolve({ url: 'redis://u:p%40ss@h:1' })).toEqual({ kind: 'url', url: 'redis://u:p%40ss@h:1' });
  });
});

describe('resolveRedisTarget(parsed) and URL query parameters', () => {
  it('refuses a parameter that would override how connections fail (ioredis lets the URL win), allowing db and family', () => {
    for (const query of [
      'enableOfflineQueue=true',
      'commandTimeout=60000',
      'maxRetriesPerRequest=50',
      'keyPrefix=x:',
    ]) {
      const error = invalid(() => resolve({ url: `redis://u:s3cret@h:1/0?${query}` }));
      expect(error.message).toMatch(/url: query parameter ".+" is not supported/);
      expect(error.message).not.toContain('s3cret');
    }
    expect(resolve({ url: 'redis://h:1/?db=2&family=6' })).toEqual({ kind: 'url', url: 'redis://h:1/?db=2&family=6' });
  });

  it("refuses a database named twice or not as a number (ioredis selected the last `db`, or the path's, while databaseOf read another)", () => {
    for (const query of ['/?db=5&db=6', '/0?db=5', '/?db=+3', '/?db=abc', '/?db=', '/?family=4&family=6']) {
      const error = invalid(() => resolve({ url: `redis://u:s3cret@h:1${query}` }));
      expect(error.message).toMatch(
        /url: (query parameter "(db|family)" is given more than once|the db parameter must be a database number)/,
      );
      expect(error.message).not.toContain('s3cret');
    }
    expect(databaseOf(resolve({ url: 'redis://h:1/?db=12' }))).toBe(12);
  });
});

describe('keyPrefixSchema', () => {
  it('refuses braces: hash tags are added per key', () => {
    expect(keyPrefixSchema.safeParse('warden:').success).toBe(true);
    expect(keyPrefixSchema.safeParse('{warden}:').success).toBe(false);
  });
});

describe('credentials and TLS', () => {
  const sentinels = [{ host: '127.0.0.1', port: 26379 }];
  const SECRET = 'correct horse battery staple';

  it('carries them to url, Sentinel and Cluster targets', () => {
    expect(resolve({ url: 'redis://a:1', password: SECRET, username: 'warden', tls: true })).toEqual({
      kind: 'url',
      url: 'redis://a:1',
      auth: { password: SECRET, username: 'warden', tls: true },
    });
    expect(
      resolve({ sentinels, sentinelMasterName: 'm', password: SECRET, sentinelPassword: 's', sentinelUsername: 'w' }),
    ).toMatchObject({ kind: 'sentinel', auth: { password: SECRET, sentinelPassword: 's', sentinelUsername: 'w' } });
    expect(resolve({ clusterNodes: sentinels, password: SECRET, tls: { servername: 'r' } })).toMatchObject({
      kind: 'cluster',
      auth: { password: SECRET, tls: { servername: 'r' } },
    });
    expect(resolve({ url: 'redis://a:1' })).not.toHaveProperty('auth');
  });

  it('refuses them where they would be ignored or conflict, naming the field and never the secret', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ redis: new Redis({ lazyConnect: true }), password: SECRET }, /password: not with redis/],
      [
        { url: `redis://u:${encodeURIComponent('other')}@a:1`, password: SECRET },
        /password: not with a url that holds credentials/,
      ],
      [{ url: 'redis://a:1', sentinelPassword: SECRET }, /sentinelPassword: needs sentinels/],
      [{ url: 'redis://a:1', password: '' }, /password: must not be empty/],
      [{ url: 'redis://a:1', password: SECRET.repeat(200) }, /password: must be at most 4096/],
      [{ url: 'redis://a:1', username: 'two words' }, /username:/],
      [{ url: 'redis://a:1', tls: { rejectUnauthorized: false } }, /tls/],
    ];
    for (const [config, message] of cases) {
      const error = invalid(() => resolve(config));
      expect(error.message).toMatch(message);
      expect(JSON.stringify({ message: error.message, issues: error.issues })).not.toContain('horse');
      expect(String(error.cause)).not.toContain('horse');
    }
  });
});
