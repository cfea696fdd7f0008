import type { Redis } from 'ioredis';
import { isCluster, type RedisClient } from './config.js';

/** Whether a Redis keeps its data across a restart. */
export interface RedisPersistence {
  /** True when the append-only file or RDB snapshots are on (on every master of a Cluster). */
  persistent: boolean;
  /** What was found, for a log line (`appendonly no, save ""` or why it could not be told). */
  detail: string;
}

async function persistenceOfNode(node: Redis): Promise<RedisPersistence> {
  try {
    const [, appendOnly] = (await node.config('GET', 'appendonly')) as string[];
    const [, save] = (await node.config('GET', 'save')) as string[];
    const persistent = appendOnly === 'yes' || (save ?? '').trim() !== '';
    return { persistent, detail: `appendonly ${appendOnly ?? '?'}, save "${save ?? ''}"` };
  } catch {
    // CONFIG is often renamed or forbidden on managed Redis: fall back to INFO.
    const info = await node.info('persistence');
    const aof = /aof_enabled:(\d)/.exec(info)?.[1];
    return { persistent: aof === '1', detail: `aof_enabled:${aof ?? '?'} (CONFIG unavailable; RDB not known)` };
  }
}

/**
 * Asks Redis whether it persists its data (`CONFIG GET appendonly/save`, else `INFO persistence`).
 * On a Cluster every master is asked and the first one without persistence is reported.
 */
export async function describeRedisPersistence(client: RedisClient): Promise<RedisPersistence> {
  if (!isCluster(client)) return persistenceOfNode(client);
  const masters = client.nodes('master');
  for (const node of masters) {
    const found = await persistenceOfNode(node);
    if (!found.persistent)
      return { persistent: false, detail: `${node.options.host}:${node.options.port}: ${found.detail}` };
  }
  return { persistent: true, detail: `${masters.length} masters persist` };
}
