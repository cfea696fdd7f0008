/**
 * {@link ToolPinStore} on Redis: one hash per key prefix, shared by every replica of the proxy.
 *
 * @module
 */
import { BackendUnavailableError, ownOptions, parseInput } from '@warden/core';
import {
  createLazyRedisConnection,
  defineRedisScript,
  hashTaggedKey,
  keyPrefixSchema,
  type RedisConnectionConfig,
  redactRedisError,
  redisConnectionShape,
  resolveRedisTarget,
} from '@warden/redis-client';
import { z } from 'zod';
import type { ToolPinStore } from './pin-store.js';

/** Configuration of {@link createRedisToolPinStore}: one of `redis`, `url` (default `REDIS_URL`), `sentinels`, `clusterNodes`. */
export interface RedisToolPinStoreConfig extends RedisConnectionConfig {
  /** Prefix of the pins' key (`<keyPrefix>{pins}`). @default 'warden:mcp:' */
  keyPrefix?: string;
  /** How long one Redis command may take, in milliseconds. @default 1000 */
  commandTimeoutMs?: number;
}

/** A Redis {@link ToolPinStore}, with `close()` for the connection it opened itself. */
export interface RedisToolPinStore extends ToolPinStore {
  /** Closes the connection the store opened (an injected client stays open). */
  close(): Promise<void>;
}

const configSchema = z
  .object({
    ...redisConnectionShape,
    keyPrefix: keyPrefixSchema.default('warden:mcp:'),
    commandTimeoutMs: z.number().int().positive().max(60_000).default(1000),
  })
  .strict();

/** KEYS: pins hash. ARGV: marker field, then tool field / digest pairs. Pins only if the marker was absent. */
const firstListingScript = defineRedisScript(`
if redis.call('HSETNX', KEYS[1], ARGV[1], '1') == 0 then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`);

// A field never collides with a tool's: tool fields are `<upstream>/<tool>`, upstream names hold no "/".
const firstListingField = (upstream: string): string => `first-listing:${upstream}`;

/**
 * Creates a {@link ToolPinStore} on Redis (single, Sentinel or Cluster: every pin is in one hash
 * under one hash tag). No I/O until the first call; every call reads Redis (no local copy), and
 * a Redis that does not answer throws `BackendUnavailableError`, which the enforcer turns into a
 * denial.
 *
 * @throws `InvalidInputError` for an invalid configuration, naming the field.
 */
export function createRedisToolPinStore(config: RedisToolPinStoreConfig = {}): RedisToolPinStore {
  // Own fields only, in and out: an Object.prototype.url set by another library must not choose the Redis.
  const parsed = ownOptions(parseInput(configSchema, ownOptions(config), 'Redis tool pin store config'));
  const connection = createLazyRedisConnection(
    resolveRedisTarget(parsed, 'Redis tool pin store config'),
    parsed.commandTimeoutMs,
  );
  const key = hashTaggedKey(parsed.keyPrefix, 'pins');
  const guarded = async <Value>(what: string, run: () => Promise<Value>): Promise<Value> => {
    try {
      return await run();
    } catch (error) {
      throw new BackendUnavailableError({
        backend: 'redis',
        message: `Redis tool pin store: ${what} failed`,
        cause: redactRedisError(error),
      });
    }
  };
  return {
    get: (upstream, tools) =>
      guarded('get', async () => {
        const values = await (await connection.get()).hmget(key, ...tools.map((tool) => `${upstream}/${tool}`));
        return values.map((value) => value ?? undefined);
      }),
    pin: (upstream, tool, digest) =>
      guarded('pin', async () => {
        await (await connection.get()).hset(key, `${upstream}/${tool}`, digest);
      }),
    pinFirstListing: (upstream, pins) =>
      guarded('pinFirstListing', async () => {
        const pairs = Object.entries(pins).flatMap(([tool, digest]) => [`${upstream}/${tool}`, digest]);
        const reply = await firstListingScript.run(
          await connection.get(),
          [key],
          [firstListingField(upstream), ...pairs],
        );
        return reply === 1;
      }),
    close: () => connection.close(),
  };
}
