import { inspect } from 'node:util';
import {
  BackendUnavailableError,
  type KillSwitch,
  type KillSwitchChangeOptions,
  type KillSwitchListener,
  killSwitchChangeOptionsSchema,
  killSwitchReasonSchema,
  parseInput,
  toIsoTime,
} from '@warden/core';
import { KillSwitchConnections } from './redis-kill-switch-connections.js';
import { KillSwitchLocalCopy, type RedisKillSwitchState } from './redis-kill-switch-local-copy.js';
import {
  historyEntryFromJson,
  type KillSwitchHistoryEntry,
  type KillSwitchRecord,
  recordFromHash,
  recordFromJson,
} from './redis-kill-switch-record.js';
import { type KillSwitchChange, runChangeScript } from './redis-kill-switch-script.js';
import {
  parseRedisKillSwitchConfig,
  type RedisKillSwitchConfig,
  type RedisKillSwitchSettings,
} from './redis-kill-switch-settings.js';

/** Pause between attempts of the first read. */
const FIRST_READ_RETRY_MS = 100;

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds).unref());

/**
 * A {@link KillSwitch} shared by every process through Redis. See {@link createRedisKillSwitch}.
 */
export class RedisKillSwitch implements KillSwitch {
  /** The port version this adapter implements. */
  readonly specificationVersion = 'kill-switch-v1' as const;
  /** Identifies this backend. */
  readonly providerId: string = 'redis';
  /** The switch's name (its keys and channel derive from it). */
  readonly name: string;
  private readonly settings: RedisKillSwitchSettings;
  private readonly local: KillSwitchLocalCopy;
  private readonly connections: KillSwitchConnections;
  private readonly activeAnswer: Promise<boolean> = Promise.resolve(true);
  private readonly inactiveAnswer: Promise<boolean> = Promise.resolve(false);
  private firstRead: Promise<boolean> | undefined;
  private firstReadSettled = false;
  private refreshing: Promise<boolean> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** Parses the settings; opens nothing until the first call. */
  constructor(config: RedisKillSwitchConfig) {
    this.settings = parseRedisKillSwitchConfig(config);
    this.name = this.settings.name;
    const { name, staleAfterMs, failMode, now, onError } = this.settings;
    this.local = new KillSwitchLocalCopy({ name, staleAfterMs, failMode, now, onError });
    this.connections = new KillSwitchConnections(this.settings, {
      onMessage: (json) => this.receive(json),
      onSubscribed: () => void this.refresh(0),
      onError,
    });
  }

  /**
   * Answers from the local copy, without a round trip. The first call waits for the first read
   * (at most `staleAfterMs`); a copy Redis has not confirmed within `staleAfterMs` answers
   * `true` (fail closed) unless `failMode` is `'open'`.
   */
  isActive(): Promise<boolean> {
    if (!this.firstReadSettled) return this.synchronized().then(() => this.local.isActive());
    return this.local.isActive() ? this.activeAnswer : this.inactiveAnswer;
  }

  /** The activation reason (or why the switch fails closed), `undefined` when inactive. */
  async getReason(): Promise<string | undefined> {
    const state = await this.getState();
    return state.active ? state.reason : undefined;
  }

  /** Who changed the switch, when and why, plus whether the answer is stale or local only. */
  async getState(): Promise<RedisKillSwitchState> {
    await this.synchronized();
    return this.local.view();
  }

  /** Subscribes to changes seen by this instance (made here or elsewhere, and staleness). */
  onChange(listener: KillSwitchListener): () => void {
    this.start();
    return this.local.subscribe(listener);
  }

  /**
   * Resolves once this instance has read the state from Redis; throws
   * `BackendUnavailableError` when it cannot (then `isActive()` fails closed).
   */
  async ready(): Promise<void> {
    await this.synchronized();
    if (!this.local.isStale()) return;
    if (await this.refresh(this.settings.commandTimeoutMs)) return;
    throw this.unavailable(`Kill switch "${this.settings.name}" could not read its state from Redis`);
  }

  /**
   * Activates the switch for every instance. When Redis cannot be reached it throws
   * `BackendUnavailableError` but activates this instance anyway; retry to make it global.
   */
  async activate(reason: string, options?: KillSwitchChangeOptions): Promise<void> {
    const validReason = parseInput(killSwitchReasonSchema, reason, 'kill switch reason');
    const change = this.describeChange(true, options, validReason);
    this.start();
    let record: KillSwitchRecord;
    try {
      ({ record } = await this.write(change));
    } catch (error) {
      this.local.pinLocalActivation({ reason: validReason, changedAt: change.changedAt, ...actorOf(change) });
      this.emit(change, { scope: 'local' });
      throw this.unavailable(
        `Kill switch "${this.settings.name}" is active on this instance only: Redis could not be reached ` +
          `(${messageOf(error)}). Retry activate() to make it global.`,
        error,
      );
    }
    this.local.accept(record, { clearLocalActivation: true });
    this.emit(change, { scope: 'global', version: record.version });
  }

  /**
   * Deactivates the switch for every instance; idempotent. When Redis cannot be reached it
   * throws `BackendUnavailableError` and changes nothing (a stop is never lifted locally only).
   */
  async deactivate(options?: KillSwitchChangeOptions): Promise<void> {
    const change = this.describeChange(false, options);
    this.start();
    let written: { changed: boolean; record: KillSwitchRecord };
    try {
      written = await this.write(change);
    } catch (error) {
      throw this.unavailable(
        `Kill switch "${this.settings.name}" was not deactivated: Redis could not be reached (${messageOf(error)})`,
        error,
      );
    }
    const wasLocalOnly = this.local.hasLocalActivation();
    this.local.accept(written.record, { clearLocalActivation: true });
    if (written.changed || wasLocalOnly) this.emit(change, { scope: 'global', version: written.record.version });
  }

  /** The shared history of changes, newest first, at most `historyLimit` entries. */
  async getHistory(): Promise<KillSwitchHistoryEntry[]> {
    this.start();
    const { historyKey, historyLimit, commandTimeoutMs } = this.settings;
    try {
      const entries = await this.connections.run(
        (redis) => redis.lrange(historyKey, 0, historyLimit - 1),
        commandTimeoutMs,
      );
      return entries.map(historyEntryFromJson).filter((entry) => entry !== undefined);
    } catch (error) {
      throw this.unavailable(`Kill switch "${this.settings.name}" could not read its history from Redis`, error);
    }
  }

  /** Stops the re-read timer and ends the connections this instance opened (never an injected client). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.firstReadSettled = true;
    clearInterval(this.refreshTimer);
    this.connections.close();
  }

  private start(): void {
    if (this.firstRead || this.closed) return;
    this.connections.start();
    this.refreshTimer = setInterval(() => void this.tick(), this.settings.refreshIntervalMs);
    this.refreshTimer.unref();
    this.firstRead = this.readFirstState().finally(() => {
      this.firstReadSettled = true;
      this.local.markFirstReadSettled();
      this.local.notifyIfChanged();
    });
  }

  private async synchronized(): Promise<void> {
    this.start();
    await this.firstRead;
  }

  /** Subscribes first (so no change slips between read and subscription), then reads, retrying until `staleAfterMs`. */
  private async readFirstState(): Promise<boolean> {
    const deadline = performance.now() + this.settings.staleAfterMs;
    await this.connections.waitForSubscription(this.settings.staleAfterMs);
    while (!this.closed) {
      const remaining = deadline - performance.now();
      if (await this.refresh(Math.min(Math.max(remaining, 0), this.settings.commandTimeoutMs))) return true;
      if (remaining <= 0) return false;
      await sleep(Math.min(FIRST_READ_RETRY_MS, remaining));
    }
    return false;
  }

  private async tick(): Promise<void> {
    this.connections.ensureSubscribed();
    await this.refresh(0);
    this.local.notifyIfChanged();
  }

  /** Re-reads the state; concurrent callers share one read. Resolves false when Redis did not answer. */
  private refresh(waitForReadyMs: number): Promise<boolean> {
    this.refreshing ??= this.readState(waitForReadyMs).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async readState(waitForReadyMs: number): Promise<boolean> {
    try {
      const readSince = this.local.readMark();
      const hash = await this.connections.run((redis) => redis.hgetall(this.settings.stateKey), waitForReadyMs);
      const record = recordFromHash(hash);
      // A state nobody can read is no confirmation: the copy goes stale and fails closed.
      if (!record) throw new Error(`Malformed kill switch state in ${this.settings.stateKey}`);
      this.local.accept(record, { readSince });
      return true;
    } catch (error) {
      this.settings.onError(error);
      return false;
    }
  }

  private receive(json: string): void {
    const record = recordFromJson(json);
    if (record) this.local.accept(record);
    else this.settings.onError(new Error(`Malformed kill switch message on ${this.settings.channel}`));
  }

  private async write(change: KillSwitchChange): Promise<{ changed: boolean; record: KillSwitchRecord }> {
    const result = await this.connections.run(
      (redis) => runChangeScript(redis, this.settings, change, this.local.knownEpoch()),
      this.settings.commandTimeoutMs,
    );
    const record = recordFromJson(result.recordJson);
    if (!record) throw new Error('The kill switch script answered with a malformed state');
    return { changed: result.changed, record };
  }

  private describeChange(
    active: boolean,
    options: KillSwitchChangeOptions | undefined,
    reason?: string,
  ): KillSwitchChange {
    const { actor } = parseInput(killSwitchChangeOptionsSchema, options ?? {}, 'kill switch options');
    const changedAt = toIsoTime(this.settings.now());
    return { active, changedAt, ...(reason ? { reason } : {}), ...(actor ? { actor } : {}) };
  }

  private emit(change: KillSwitchChange, details: { scope: 'global' | 'local'; version?: number }): void {
    try {
      this.settings.events?.emit({
        type: change.active ? 'kill_switch_activated' : 'kill_switch_deactivated',
        details: { name: this.settings.name, ...change, ...details },
      });
    } catch (error) {
      this.settings.onError(error);
    }
  }

  private unavailable(message: string, cause?: unknown): BackendUnavailableError {
    return new BackendUnavailableError({ backend: 'redis', message, cause });
  }
}

function actorOf(change: KillSwitchChange): { actor?: string } {
  return change.actor ? { actor: change.actor } : {};
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// The settings hold the Redis `url` (with its password) and the connections the clients built
// from it: `inspect`, `JSON.stringify` and `String()` of a switch show neither (issue 18).
function describeRedisKillSwitch(this: RedisKillSwitch): string {
  return `RedisKillSwitch { name: ${JSON.stringify(this.name)}, settings: '[redacted]' }`;
}
Object.defineProperties(RedisKillSwitch.prototype, {
  toJSON: {
    value(this: RedisKillSwitch) {
      return { providerId: this.providerId, name: this.name, settings: '[redacted]' };
    },
  },
  toString: { value: describeRedisKillSwitch },
  [inspect.custom]: { value: describeRedisKillSwitch },
});

/**
 * Creates a {@link KillSwitch} shared by every process through Redis, failing closed. No I/O
 * happens here: the connections open on the first call.
 *
 * @example
 * const killSwitch = createRedisKillSwitch({ url: process.env.REDIS_URL, name: 'global' });
 * await killSwitch.activate('Security incident detected', { actor: 'alice' });
 * await killSwitch.isActive(); // true, in every process using the same Redis and name
 */
export function createRedisKillSwitch(config: RedisKillSwitchConfig = {}): RedisKillSwitch {
  return new RedisKillSwitch(config);
}
