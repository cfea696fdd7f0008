import { createHash } from 'node:crypto';
import type { RedisClient } from './config.js';

/** A Lua script run with `EVALSHA`, falling back to `EVAL` when Redis lost its script cache (a restart, a failover). */
export interface RedisScript {
  /**
   * Runs the script atomically with these keys and arguments. On a Cluster every key must share
   * one hash tag (see {@link hashTaggedKey}): the script runs on the node of the first key. A key
   * may be bytes (a `Buffer`) where text cannot name it exactly.
   */
  run(redis: RedisClient, keys: readonly (string | Buffer)[], args: readonly (string | number)[]): Promise<unknown>;
}

/** Wraps Lua source as a {@link RedisScript}; never registers commands on the client. */
export function defineRedisScript(source: string): RedisScript {
  const sha = createHash('sha1').update(source).digest('hex');
  return {
    async run(redis, keys, args) {
      try {
        return await redis.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return redis.eval(source, keys.length, ...keys, ...args);
      }
    },
  };
}

/**
 * `<prefix>{<tag>}<suffix>`: every key built with the same `prefix` and `tag` lands in the same
 * Cluster slot (Redis hashes only the text between the first `{` and the next `}`), so a script
 * may touch them together. Prefixes never contain braces ((`keyPrefixSchema`)); a tag holding
 * a `}` still puts all of its keys in one slot, since they share the text up to it.
 */
export function hashTaggedKey(prefix: string, tag: string, suffix = ''): string {
  return `${prefix}{${tag}}${suffix}`;
}
