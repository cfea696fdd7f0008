import { createRedisClient, duplicateForSubscriber, type RedisClient, redactRedisError } from '@warden/redis-client';
import type { ParsedRedisKillSwitchConfig } from './redis-kill-switch-config.js';

/** What the connections report to the kill switch. */
export interface ConnectionEvents {
  /** A message arrived on the switch's channel (untrusted: anyone who can `PUBLISH` can send one). */
  onMessage(payload: string): void;
  /** The subscription was (re)established: messages may have been missed before it. */
  onSubscribed(): void;
  /** A Redis error, which must never reach the host. */
  onError(error: unknown): void;
}

/** Rejects when `promise` takes longer than `timeoutMs`; the timer never keeps the process alive. */
function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function onceReady(redis: RedisClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not reachable (connection ${redis.status}) within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    redis.once('ready', onReady);
  });
}

/**
 * The two connections of one kill switch instance: commands (the injected client, or one it
 * owns) and a subscriber of its own, duplicated from the first. Created lazily by `start()`;
 * `close()` ends what it owns and never the injected client.
 */
export class KillSwitchConnections {
  private command: RedisClient | undefined;
  private subscriber: RedisClient | undefined;
  private subscribed = false;
  private closed = false;
  private firstSubscription: Promise<void> | undefined;
  private markSubscribed: () => void = () => {};

  private readonly events: ConnectionEvents;

  /** Remembers the settings; opens nothing. Errors reach `events.onError` without a password (see `redactRedisError`). */
  constructor(
    private readonly settings: ParsedRedisKillSwitchConfig,
    events: ConnectionEvents,
  ) {
    this.events = { ...events, onError: (error) => events.onError(redactRedisError(error)) };
  }

  /** Opens the connections (in the background) and subscribes to the switch's channel. */
  start(): void {
    if (this.command || this.closed) return;
    const { target, commandTimeoutMs } = this.settings;
    const injected = target.kind === 'client';
    const command = target.kind === 'client' ? target.client : createRedisClient(target, commandTimeoutMs);
    if (!injected) {
      command.on('error', this.events.onError);
      command.connect().catch(() => {});
    }
    this.command = command;
    this.firstSubscription = new Promise((resolve) => {
      this.markSubscribed = resolve;
    });
    const subscriber = duplicateForSubscriber(command, commandTimeoutMs);
    subscriber.on('error', this.events.onError);
    subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.settings.channel) this.events.onMessage(payload);
    });
    subscriber.on('ready', () => void this.subscribe());
    subscriber.on('close', () => {
      this.subscribed = false;
    });
    this.subscriber = subscriber;
    subscriber.connect().catch(this.events.onError);
  }

  /** Subscribes again when the subscriber is connected but not subscribed (a failed SUBSCRIBE). */
  ensureSubscribed(): void {
    if (!this.subscribed && this.subscriber?.status === 'ready') void this.subscribe();
  }

  /** Waits (at most `timeoutMs`) until the first subscription is in place; never rejects. */
  async waitForSubscription(timeoutMs: number): Promise<void> {
    if (!this.firstSubscription) return;
    await withTimeout(this.firstSubscription, timeoutMs, 'SUBSCRIBE').catch(() => {});
  }

  /**
   * Runs one operation on the command connection, waiting at most `waitForReadyMs` for it to
   * be connected and `commandTimeoutMs` for the answer.
   */
  async run<T>(operation: (redis: RedisClient) => Promise<T>, waitForReadyMs: number): Promise<T> {
    const command = this.command;
    if (!command || this.closed) throw new Error('The kill switch is closed');
    try {
      await this.waitUntilReady(command, waitForReadyMs);
      return await withTimeout(operation(command), this.settings.commandTimeoutMs, 'Redis command');
    } catch (error) {
      throw redactRedisError(error);
    }
  }

  /** Ends the subscriber and the command connection if this instance created it. */
  close(): void {
    this.closed = true;
    this.subscriber?.disconnect();
    if (this.settings.target.kind !== 'client') this.command?.disconnect();
  }

  private async waitUntilReady(command: RedisClient, waitForReadyMs: number): Promise<void> {
    if (command.status === 'ready') return;
    if (command.status === 'end') throw new Error('The Redis connection is closed');
    // Failures to connect arrive as `error` events and reconnection attempts, not here.
    if (command.status === 'wait') command.connect().catch(() => {});
    if (waitForReadyMs <= 0) throw new Error(`Redis not reachable (connection ${command.status})`);
    await onceReady(command, waitForReadyMs);
  }

  private async subscribe(): Promise<void> {
    const subscriber = this.subscriber;
    if (!subscriber || this.closed) return;
    try {
      await withTimeout(subscriber.subscribe(this.settings.channel), this.settings.commandTimeoutMs, 'SUBSCRIBE');
      this.subscribed = true;
      this.markSubscribed();
      this.events.onSubscribed();
    } catch (error) {
      this.events.onError(error);
    }
  }
}
