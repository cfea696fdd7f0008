import { Redis } from 'ioredis';

/** Where a lazily opened connection goes. */
export interface LazyConnectionSettings {
  /** An injected client: used as it is and never closed. */
  redis: Redis | undefined;
  /** The URL to open a connection of our own to. */
  url: string | undefined;
  /** Per-command timeout of our own connection. */
  commandTimeoutMs: number;
}

/** A connection opened on first use. */
export interface LazyConnection {
  /** The client, connecting first when needed. */
  get(): Promise<Redis>;
  /** Closes the connection we opened; an injected client stays open. */
  close(): Promise<void>;
}

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

/** Opens the owned connection on first use; an injected client is used as it is and never closed. */
export function createLazyConnection(settings: LazyConnectionSettings): LazyConnection {
  let owned: Redis | undefined;
  let connecting: Promise<Redis> | undefined;
  const open = async (): Promise<Redis> => {
    owned = createRedisConnection(settings.url ?? '', settings.commandTimeoutMs);
    // Connection errors reach callers as failed commands; without a listener ioredis would also print them.
    owned.on('error', () => {});
    await owned.connect();
    return owned;
  };
  return {
    get() {
      if (settings.redis) return Promise.resolve(settings.redis);
      connecting ??= open().catch((error: unknown) => {
        connecting = undefined;
        owned?.disconnect();
        throw error;
      });
      return connecting;
    },
    async close() {
      connecting = undefined;
      const client = owned;
      owned = undefined;
      if (client) await client.quit().catch(() => client.disconnect());
    },
  };
}
