import { Redis } from 'ioredis';

/** Deletes every key under `prefix` (only ever a test's own unique prefix, never the whole database). */
export async function deleteKeysUnder(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      // Keys as bytes: one that is not UTF-8 (a lone surrogate half) read back as text names another key.
      const [next, keys] = await redis.scanBuffer(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next.toString();
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
