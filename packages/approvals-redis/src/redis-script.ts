import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script run with `EVALSHA`, falling back to `EVAL` when Redis lost its script cache (a restart). */
export interface RedisScript {
  /** Runs the script atomically with these keys and arguments. */
  run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
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
