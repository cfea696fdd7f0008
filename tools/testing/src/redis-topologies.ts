import { Cluster, Redis } from 'ioredis';
import { describe } from 'vitest';
import { describeWithService, isCi } from './services.js';

/** How a Warden Redis adapter connects, as its config fields. */
export type RedisTopologyConnection =
  | { url: string }
  | { sentinels: Array<{ host: string; port: number }>; sentinelMasterName: string }
  | { clusterNodes: Array<{ host: string; port: number }> };

/** A Redis topology the integration suites run on: `single`, `sentinel` or `cluster`. */
export interface RedisTopologyUnderTest {
  /** `single`, `sentinel` or `cluster`. */
  name: 'single' | 'sentinel' | 'cluster';
  /** The config fields that point an adapter at it. */
  connection: RedisTopologyConnection;
  /** Opens a plain client to it (for a test to inspect or clean up), connected. */
  connect(): Promise<Redis | Cluster>;
}

function addresses(list: string): Array<{ host: string; port: number }> {
  return list
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((address) => {
      const [host = '127.0.0.1', port = '0'] = address.split(':');
      return { host, port: Number(port) };
    });
}

/**
 * The topologies `scripts/services up` started, from the environment: `REDIS_URL` (single),
 * `REDIS_SENTINELS` + `REDIS_SENTINEL_MASTER` (Sentinel), `REDIS_CLUSTER_NODES` (Cluster).
 */
export function redisTopologies(env: NodeJS.ProcessEnv = process.env): RedisTopologyUnderTest[] {
  const found: RedisTopologyUnderTest[] = [];
  if (env.REDIS_URL) {
    const url = env.REDIS_URL;
    found.push({
      name: 'single',
      connection: { url },
      connect: async () => {
        const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
        await redis.connect();
        return redis;
      },
    });
  }
  if (env.REDIS_SENTINELS && env.REDIS_SENTINEL_MASTER) {
    const sentinels = addresses(env.REDIS_SENTINELS);
    const sentinelMasterName = env.REDIS_SENTINEL_MASTER;
    found.push({
      name: 'sentinel',
      connection: { sentinels, sentinelMasterName },
      connect: async () => {
        const redis = new Redis({ sentinels, name: sentinelMasterName, lazyConnect: true, maxRetriesPerRequest: 1 });
        await redis.connect();
        return redis;
      },
    });
  }
  if (env.REDIS_CLUSTER_NODES) {
    const clusterNodes = addresses(env.REDIS_CLUSTER_NODES);
    found.push({
      name: 'cluster',
      connection: { clusterNodes },
      connect: async () => {
        const cluster = new Cluster(clusterNodes, { lazyConnect: true });
        await cluster.connect();
        return cluster;
      },
    });
  }
  return found;
}

/**
 * Declares one suite per Redis topology `wanted` (default: all three). A wanted topology that is
 * not running is skipped with one loud line, or fails under CI when `WARDEN_REDIS_TOPOLOGIES`
 * asked for it.
 */
export function describeWithRedisTopologies(
  title: string,
  body: (topology: RedisTopologyUnderTest) => void,
  wanted: ReadonlyArray<RedisTopologyUnderTest['name']> = ['single', 'sentinel', 'cluster'],
): void {
  const running = redisTopologies();
  const requested = (process.env.WARDEN_REDIS_TOPOLOGIES ?? '').split(/[\s,]+/).filter(Boolean);
  for (const name of wanted) {
    const topology = running.find((candidate) => candidate.name === name);
    if (topology) {
      describe(`${title} [${name}]`, () => body(topology));
    } else if (name === 'single') {
      describeWithService('redis', `${title} [single]`, () => {});
    } else if (isCi() && requested.includes(name)) {
      describe(`${title} [${name}]`, () => {
        throw new Error(`WARDEN_REDIS_TOPOLOGIES asks for ${name}, but scripts/services did not start it`);
      });
    } else {
      console.warn(
        `\n!!! SKIPPING "${title} [${name}]": start it with WARDEN_REDIS_TOPOLOGIES=${name} bash scripts/services up\n`,
      );
    }
  }
}

/** Deletes every key matching `pattern` (a test's own unique prefix), on every master of a Cluster. */
export async function deleteRedisKeys(client: Redis | Cluster, pattern: string): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    let cursor = '0';
    do {
      // Keys as bytes: a key that is not UTF-8 (a rate limit key holding a lone surrogate half)
      // read back as text would name another key, in another slot.
      const [next, keys] = await node.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', 500);
      for (const key of keys) await node.del(key);
      cursor = next.toString();
    } while (cursor !== '0');
  }
}
