import { Redis, type RedisOptions } from 'ioredis';
import { reconnectDelay } from './reconnect-delay.js';

/**
 * Builds (opens nothing unless `lazyConnect` is off) an ioredis Sentinel client that never ends by
 * itself, only when it is closed (why: the `SentinelClient` class in the source): give
 * `sentinels` and `name` as to `new Redis(options)`. Replies are mapped as on every client
 * Warden opens (RESP2's shapes).
 */
export function createSentinelClient(options: RedisOptions): Redis {
  return new SentinelClient(options);
}

/**
 * An ioredis Sentinel client that never ends by itself, only when it is closed.
 *
 * ioredis ends a Sentinel client for good (status `end`, no further reconnection, every later
 * command refused) when its connection attempt is cut short, and its own failover detector cuts
 * it short: when a sentinel announces `+switch-master` while the client, having lost the old
 * master, is still asking a sentinel where the master is. That is exactly where a failover finds
 * a client, so under load one client in many went dead at the failover: a kill switch read its
 * state "stale" (deny) from then on, an approval store failed every call, until the process was
 * restarted. This client starts connecting again (after the usual reconnection delay) whenever a
 * connection attempt ended it and nobody asked it to close. (`duplicate()` gives a plain ioredis
 * client: use `duplicateForSubscriber`, which keeps this class.)
 */
export class SentinelClient extends Redis {
  /** Set by `disconnect()` (and cleared by `connect()`): an ending asked for stays ended. */
  #closing = false;
  /** Attempts started since the client was last ready, for the backoff between them. */
  #restarts = 0;

  /** Builds the client; connects at once unless `lazyConnect` (as ioredis does). */
  constructor(options: RedisOptions) {
    // Replies mapped as in RESP2, as on every client Warden opens (the `RedisClient` type). ioredis
    // connects inside its constructor unless lazyConnect, before this class's fields exist: so
    // this constructor connects, once they do.
    super({ ...options, replyMapping: 'legacy', lazyConnect: true });
    this.options.lazyConnect = options.lazyConnect ?? false;
    this.on('ready', () => {
      this.#restarts = 0;
    });
    if (!this.options.lazyConnect) this.connect().catch(() => {});
  }

  /** Connects (as ioredis does) and starts again should the attempt end the client by itself. */
  override connect(...args: Parameters<Redis['connect']>): Promise<void> {
    this.#closing = false;
    const connecting = super.connect(...args);
    // ioredis's own reconnections call this method too, so every attempt is covered. A rejection
    // that leaves the client `reconnecting` (a connection lost before it was ready) needs nothing.
    connecting.catch(() => this.#startAgainUnlessClosed());
    return connecting;
  }

  /** Closes the connection (as ioredis does); when `reconnect` is false, for good. */
  override disconnect(reconnect = false): void {
    if (!reconnect) this.#closing = true;
    super.disconnect(reconnect);
  }

  #startAgainUnlessClosed(): void {
    if (this.#closing || this.status !== 'end') return;
    const timer = setTimeout(
      () => {
        if (!this.#closing && this.status === 'end') this.connect().catch(() => {});
      },
      reconnectDelay(++this.#restarts),
    );
    // A client nobody closes must not keep its process alive by this timer alone.
    timer.unref();
  }
}
