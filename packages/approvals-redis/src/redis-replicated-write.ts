import { BackendUnavailableError } from '@warden/core';
import { type RedisClient, type RedisScript, waitBudgetMs } from '@warden/redis-client';

/** Runs a write script and, where replicas must acknowledge it, waits for them. */
export type ReplicatedWrite = (
  redis: RedisClient,
  what: string,
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
  wrote: (result: unknown) => boolean,
) => Promise<unknown>;

/**
 * Replication is asynchronous: a master acknowledges a write before any replica holds it, and a
 * failover right after promotes a replica without it. A rejection (or expiry, or cancellation)
 * lost that way leaves the request pending, to be approved after all. With `minReplicaAcks` > 0
 * each write is followed by `WAIT` on the same connection, and a write too few replicas hold is
 * reported as `BackendUnavailableError` (it may or may not survive: the caller reads again).
 * A script that wrote nothing (a lost compare-and-set) needs no acknowledgement.
 */
export function createReplicatedWrite(minReplicaAcks: number, commandTimeoutMs: number): ReplicatedWrite {
  const waitMs = waitBudgetMs(commandTimeoutMs);
  return async (redis, what, script, keys, args, wrote) => {
    if (minReplicaAcks === 0) return script.run(redis, keys, args);
    const { result, acknowledged } = await script.runThenWait(redis, keys, args, minReplicaAcks, waitMs);
    if (wrote(result) && !(acknowledged >= minReplicaAcks)) {
      throw new BackendUnavailableError({
        backend: 'redis',
        message:
          `Redis approval store: ${what} was written on the master, but ${acknowledged} of ${minReplicaAcks} ` +
          `replicas acknowledged it within ${waitMs} ms, so a failover could lose it; read the request again`,
      });
    }
    return result;
  };
}
