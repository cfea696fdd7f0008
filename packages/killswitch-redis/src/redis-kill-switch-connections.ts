import { createRedisClient, duplicateForSubscriber, type RedisClient, redactRedisError } from '@warden/redis-client';
import type { ParsedRedisKillSwitchConfig } from './redis-kill-switch-config.js';

/** What the connections report to the kill switch. */
export interface ConnectionEvents {
  /**
   * An entry was appended to the switch's change stream: the record a change wrote, as JSON (as
   * trustworthy as anyone who can write the switch's keys: it may have been written by hand).
   */
  onEntry(payload: string): void;
  /** Following the stream (re)started from its end, or skipped to it: entries may have been missed. */
  onFollowing(): void;
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
 * How long one `XREAD` blocks before it is sent again. The follower's command timeout is this
 * plus `commandTimeoutMs`, so a blocked read is never cut short by it.
 */
const BLOCK_MS = 5_000;

/** The `record` field of a stream entry (`[field, value, …]`), or `''`. */
function recordField(fields: readonly string[]): string {
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (fields[index] === 'record') return fields[index + 1] ?? '';
  }
  return '';
}

/** The most entries one `XREAD` returns; a full reply makes the follower skip to the stream's end. */
const ENTRIES_PER_READ = 32;

/** Orders two stream IDs (`<ms>-<seq>`, decimal without leading zeros): negative when `left` is older. */
export function compareStreamIds(left: string, right: string): number {
  const [leftTime = '', leftSequence = ''] = left.split('-');
  const [rightTime = '', rightSequence = ''] = right.split('-');
  return compareDecimals(leftTime, rightTime) || compareDecimals(leftSequence, rightSequence);
}

function compareDecimals(left: string, right: string): number {
  if (left.length !== right.length) return left.length - right.length;
  return left < right ? -1 : left > right ? 1 : 0;
}

type StreamReply = Array<[string, Array<[string, string[]]>]> | null;

/**
 * The two connections of one kill switch instance: commands (the injected client, or one it
 * owns) and a follower of its own, duplicated from the first, that waits in `XREAD BLOCK` on the
 * switch's change stream, so a change reaches every instance in one push. Created lazily by
 * `start()`; `close()` ends what it owns and never the injected client.
 */
export class KillSwitchConnections {
  private command: RedisClient | undefined;
  private follower: RedisClient | undefined;
  /** Bumped on every (re)start of the follow loop: an older loop stops after its read. */
  private generation = 0;
  private following = false;
  private closed = false;
  private firstFollow: Promise<void> | undefined;
  private markFollowing: () => void = () => {};

  private readonly events: ConnectionEvents;

  /** Remembers the settings; opens nothing. Errors reach `events.onError` without a password (see `redactRedisError`). */
  constructor(
    private readonly settings: ParsedRedisKillSwitchConfig,
    events: ConnectionEvents,
  ) {
    this.events = { ...events, onError: (error) => events.onError(redactRedisError(error)) };
  }

  /** Opens the connections (in the background) and starts following the switch's change stream. */
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
    this.firstFollow = new Promise((resolve) => {
      this.markFollowing = resolve;
    });
    try {
      this.startFollower(command);
    } catch (error) {
      // A client that cannot be duplicated (a broken or hostile injected one) leaves no follower:
      // the periodic re-reads still run, and fail closed when the client fails them too. Never a
      // throw out of isActive() or onChange().
      this.events.onError(error);
      this.markFollowing();
    }
  }

  /** Opens the follower, a duplicate of `command`, which follows the stream once connected. */
  private startFollower(command: RedisClient): void {
    const follower = duplicateForSubscriber(command, this.settings.commandTimeoutMs + BLOCK_MS);
    this.follower = follower;
    follower.on('error', this.events.onError);
    follower.on('ready', () => void this.follow());
    follower.on('close', () => {
      this.following = false;
    });
    follower.connect().catch(this.events.onError);
  }

  /** Follows again when the follower is connected but its loop ended (a failed read). */
  ensureFollowing(): void {
    if (!this.following && this.follower?.status === 'ready') void this.follow();
  }

  /** Waits (at most `timeoutMs`) until the stream is first followed; never rejects. */
  async waitForFollowing(timeoutMs: number): Promise<void> {
    if (!this.firstFollow) return;
    await withTimeout(this.firstFollow, timeoutMs, 'following the change stream').catch(() => {});
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

  /** Ends the follower and the command connection if this instance created it. */
  close(): void {
    this.closed = true;
    this.generation += 1;
    // Nothing will be followed any more: a first read waiting for it (and every call waiting for
    // that read) goes on at once instead of for up to `staleAfterMs`.
    this.markFollowing();
    this.follower?.disconnect();
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

  /**
   * Follows the change stream from its current end: finds the last entry's ID, says so
   * (`onFollowing`: the caller re-reads, covering whatever came before), then blocks in `XREAD`
   * from that ID, passing on every entry in order. A reply holds at most {@link ENTRIES_PER_READ}
   * entries; a full one means more may be queued behind it (a change script appends one entry per
   * change, so only a flood written by hand gets there): the follower skips to the stream's end
   * and says so, and the caller's re-read stands for whatever it skipped, so a flood costs each
   * instance a bounded reply and a re-read, never the whole flood. A failed read ends the loop; the
   * next `ensureFollowing()` (every re-read) or reconnection starts it again.
   */
  private async follow(): Promise<void> {
    const follower = this.follower;
    if (!follower || this.closed) return;
    this.generation += 1;
    const generation = this.generation;
    this.following = true;
    const stillCurrent = (): boolean => !this.closed && generation === this.generation;
    const key = this.settings.changesKey;
    const newestId = async (): Promise<string> => {
      const newest = (await follower.xrevrange(key, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
      return newest[0]?.[0] ?? '0-0';
    };
    try {
      let lastId = await newestId();
      if (!stillCurrent()) return;
      this.markFollowing();
      this.events.onFollowing();
      while (stillCurrent()) {
        const reply = (await follower.xread(
          'COUNT',
          ENTRIES_PER_READ,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          key,
          lastId,
        )) as StreamReply;
        if (!stillCurrent()) return;
        if (reply === null) {
          // Nothing for BLOCK_MS. A stream deleted after an entry numbered far ahead (written by
          // hand) comes back numbered below it, and would never reach this follower again.
          const newest = await newestId();
          if (!stillCurrent()) return;
          if (compareStreamIds(newest, lastId) < 0) {
            lastId = newest;
            this.events.onFollowing();
          }
          continue;
        }
        let received = 0;
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            received += 1;
            this.events.onEntry(recordField(fields));
          }
        }
        if (received < ENTRIES_PER_READ) continue;
        lastId = await newestId();
        if (!stillCurrent()) return;
        this.events.onFollowing();
      }
    } catch (error) {
      if (!stillCurrent()) return;
      this.events.onError(error);
      this.following = false;
    }
  }
}
