import { createHash } from 'node:crypto';
import type { RedisClient } from './config.js';
import { acknowledgedReplicas } from './replication.js';

/** A Lua script run with `EVALSHA`, falling back to `EVAL` when Redis lost its script cache (a restart, a failover). */
export interface RedisScript {
  /**
   * Runs the script atomically with these keys and arguments. On a Cluster every key must share
   * one hash tag (see {@link hashTaggedKey}): the script runs on the node of the first key. A key
   * may be bytes (a `Buffer`) where text cannot name it exactly.
   */
  run(redis: RedisClient, keys: readonly (string | Buffer)[], args: readonly (string | number)[]): Promise<unknown>;
  /**
   * Runs the script, then `WAIT replicas timeoutMs`, sent together on one connection (a
   * pipeline): `WAIT` counts the replicas that hold the writes made on its own connection, so
   * sent apart, after a reconnection (perhaps to the master a failover promoted) it could vouch
   * for a write that is lost. Resolves with the script's result and how many replicas
   * acknowledged. Not for a Cluster (`WAIT` has no key to route by).
   */
  runThenWait(
    redis: RedisClient,
    keys: readonly (string | Buffer)[],
    args: readonly (string | number)[],
    replicas: number,
    timeoutMs: number,
  ): Promise<{ result: unknown; acknowledged: number }>;
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
    async runThenWait(redis, keys, args, replicas, timeoutMs) {
      const send = async (how: 'evalsha' | 'eval'): Promise<[unknown, unknown]> => {
        const pipeline = redis.pipeline();
        pipeline[how](how === 'evalsha' ? sha : source, keys.length, ...keys, ...args);
        pipeline.call('WAIT', replicas, timeoutMs);
        const replies = (await pipeline.exec()) ?? [];
        const [script, wait] = replies;
        if (!script || !wait) throw new Error('Redis answered the pipeline with fewer replies than commands');
        if (script[0]) throw script[0];
        if (wait[0]) throw wait[0];
        return [script[1], wait[1]];
      };
      let replies: [unknown, unknown];
      try {
        replies = await send('evalsha');
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        replies = await send('eval');
      }
      const [result, acknowledged] = replies;
      return { result, acknowledged: acknowledgedReplicas(acknowledged) };
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
