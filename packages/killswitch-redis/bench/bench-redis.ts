import { type RedisServerHandle, startRedisServer } from '@warden/testing';

/**
 * Starts a private redis-server for one benchmark, so other tests using the shared server do
 * not disturb the figures (and the benchmark never touches their keys).
 */
export async function withPrivateRedis(run: (url: string) => Promise<void>): Promise<void> {
  let server: RedisServerHandle;
  try {
    server = await startRedisServer();
  } catch (error) {
    console.log(`SKIPPED: no redis-server to benchmark against (${String(error)})`);
    return;
  }
  try {
    await run(server.url);
  } finally {
    await server.dispose();
  }
}

/** The value below which `fraction` of the sorted samples fall (nearest rank). */
export function percentile(samples: number[], fraction: number): number {
  const sorted = [...samples].sort((left, right) => left - right);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Formats a number with thousands separators. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
