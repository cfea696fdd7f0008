import { Redis } from 'ioredis';

/**
 * Creates an ioredis client that fails fast instead of hanging a check: commands are not queued
 * while disconnected and time out after `commandTimeoutMs`. Connects lazily on first command.
 */
export function createRedisConnection(url: string, commandTimeoutMs = 1_000): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
  });
}
