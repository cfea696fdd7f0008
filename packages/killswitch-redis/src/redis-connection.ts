import { Redis, type RedisOptions } from 'ioredis';

/** Longest pause between two reconnection attempts, so a returning Redis is found quickly. */
const MAX_RECONNECT_DELAY_MS = 1_000;

/** Reconnects with a short, capped backoff (ioredis's default waits up to 5 s). */
export function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS);
}

/**
 * Creates an ioredis client that fails fast instead of hanging a check: commands are not queued
 * while disconnected and time out after `commandTimeoutMs`. Connects lazily on first use.
 */
export function createRedisConnection(url: string, commandTimeoutMs = 1_000, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: reconnectDelay,
    ...options,
  });
}
