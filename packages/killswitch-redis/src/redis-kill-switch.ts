import { createPublicKey } from 'node:crypto';
import { inspect } from 'node:util';
import {
  AccessDeniedError,
  BackendUnavailableError,
  ConflictError,
  type KillSwitch,
  type KillSwitchChangeOptions,
  type KillSwitchListener,
  killSwitchChangeOptionsSchema,
  killSwitchReasonSchema,
  monotonicClock,
  parseInput,
  toIsoTime,
} from '@warden/core';
import { describeRedisPersistence, redactRedisError } from '@warden/redis-client';
import { KillSwitchAudit } from './redis-kill-switch-audit.js';
import {
  type ParsedRedisKillSwitchConfig,
  parseRedisKillSwitchConfig,
  type RedisKillSwitchConfig,
} from './redis-kill-switch-config.js';
import { KillSwitchConnections } from './redis-kill-switch-connections.js';
import { HeldMessages } from './redis-kill-switch-held-messages.js';
import { HeldSignedRecords, type HistoryVerdict, judgeHistory } from './redis-kill-switch-history.js';
import { KillSwitchJudge } from './redis-kill-switch-judge.js';
import {
  KillSwitchLocalCopy,
  type LocalActivation,
  type RedisKillSwitchState,
  type TrustedState,
} from './redis-kill-switch-local-copy.js';
import {
  historyEntryFromRecord,
  historyRecordFromJson,
  type KillSwitchHistoryEntry,
  type KillSwitchRecord,
  readingFromHash,
  recordFromEntry,
  sameRecord,
} from './redis-kill-switch-record.js';
import { type KillSwitchChange, readStateHash } from './redis-kill-switch-script.js';
import { isSignedBy } from './redis-kill-switch-signature.js';
import { KillSwitchWriter, type WrittenChange } from './redis-kill-switch-writer.js';

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
  /** The switch's name (its keys derive from it). */
  readonly name: string;
  // `#` fields: the config and the connections hold the Redis password, and a `#` field is out of
  // reach of `util.inspect` (even with `customInspect: false`) and `JSON.stringify`.
  readonly #config: ParsedRedisKillSwitchConfig;
  private readonly local: KillSwitchLocalCopy;
  readonly #connections: KillSwitchConnections;
  private readonly activeAnswer: Promise<boolean> = Promise.resolve(true);
  private readonly inactiveAnswer: Promise<boolean> = Promise.resolve(false);
  private readonly switchId: string;
  private firstRead: Promise<boolean> | undefined;
  private firstReadSettled = false;
  private refreshing: Promise<boolean> | undefined;
  private rereadRequested = false;
  private refreshTimer: NodeJS.Timeout | undefined;
  private persistenceChecked = false;
  private closed = false;
  /** Changes of this instance being written; stream entries wait for them (see `writeAndTake`). */
  private changesInFlight = 0;
  private readonly entriesDuringChange = new HeldMessages();
  /**
   * Bumped whenever a state is taken from anything but a read (a change-stream entry, this
   * instance's own change): a read sent before that may hold an older state, and is read again.
   */
  private takenOutsideReads = 0;
  /** The record this instance's last change left in Redis, while it is the one held. */
  private ownChange: KillSwitchRecord | undefined;
  private readonly judge: KillSwitchJudge;
  readonly #writer: KillSwitchWriter;
  private readonly audit: KillSwitchAudit;
  /** Signed records this instance held as the state: which history entries took effect. */
  private readonly heldSigned: HeldSignedRecords;

  /** Parses the config; opens nothing until the first call. */
  constructor(config: RedisKillSwitchConfig) {
    this.#config = parseRedisKillSwitchConfig(config);
    this.name = this.#config.name;
    // Signed as the keys name it, braces included: prefix and name may both hold "." or "-", so
    // run together ("a:b." + "c" and "a:" + "b.c") two switches would sign the same text. The
    // database too: the same switch in two databases of one Redis (production and staging) is two
    // switches. Neither prefix nor name holds "/".
    this.switchId = `${this.#config.database}/${this.#config.keyPrefix}{${this.#config.name}}`;
    const { name, staleAfterMs, failMode, onError } = this.#config;
    this.local = new KillSwitchLocalCopy({ name, staleAfterMs, failMode, monotonicNow: monotonicClock, onError });
    const { signingKey, verifyKey } = this.#config;
    // `signingKey` is the private half of `verifyKey`: what this instance signs verifies.
    const signsForVerifyKey = !!signingKey && !!verifyKey && createPublicKey(signingKey).equals(verifyKey);
    this.heldSigned = new HeldSignedRecords(this.#config.historyLimit);
    this.#connections = new KillSwitchConnections(this.#config, {
      onEntry: (payload) => this.onEntry(payload),
      onFollowing: () => this.hint(),
      onError,
    });
    this.judge = new KillSwitchJudge({ name, switchId: this.switchId, verifyKey });
    this.#writer = new KillSwitchWriter(this.switchId, this.#config, this.#connections, this.judge, signsForVerifyKey);
    this.audit = new KillSwitchAudit({
      name,
      events: this.#config.events,
      historyLimit: this.#config.historyLimit,
      onError,
      readHistory: () => this.readHistoryRecords(),
      judgeHistory: (records) => this.judgeHistory(records),
      isSigned: verifyKey ? (record) => this.judge.isSigned(record) : undefined,
    });
  }

  /**
   * Answers from the local copy, without a round trip. The first call waits for the first read
   * (at most `staleAfterMs`). Answers `true` (deny) when the copy is stale (unless `failMode` is
   * `'open'`), and when Redis holds no state record, one nobody can parse or (with `verifyKey`)
   * one not signed by the operator: only a trusted record can say "inactive".
   */
  isActive(): Promise<boolean> {
    if (!this.firstReadSettled) {
      // Never a rejection: whatever failed while starting, the answer is "stop".
      return this.synchronized().then(
        () => this.local.isActive(),
        (error: unknown) => {
          this.#config.onError(redactRedisError(error));
          return true;
        },
      );
    }
    return this.local.isActive() ? this.activeAnswer : this.inactiveAnswer;
  }

  /** The activation reason (or why the switch fails closed), `undefined` when inactive. */
  async getReason(): Promise<string | undefined> {
    const state = await this.getState();
    return state.active ? state.reason : undefined;
  }

  /** Who changed the switch, when and why, plus whether the answer is stale, unknown or local only. */
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
   * Resolves once this instance holds a state read from Redis that is not stale (read less than
   * `staleAfterMs` ago, by the rule `isActive()` answers by); throws `BackendUnavailableError`
   * when it cannot, or when the reply arrived too late to be fresh (then `isActive()` fails closed).
   */
  async ready(): Promise<void> {
    await this.synchronized();
    if (!this.local.isStale()) return;
    const answered = await this.refresh(this.#config.commandTimeoutMs);
    if (answered && !this.local.isStale()) return;
    throw this.unavailable(
      answered
        ? `Kill switch "${this.name}" read its state from Redis, but the reply arrived after staleAfterMs (${this.#config.staleAfterMs} ms): stale`
        : `Kill switch "${this.name}" could not read its state from Redis`,
    );
  }

  /**
   * Activates the switch for every instance. On Sentinel it resolves once `minReplicaAcks`
   * replicas acknowledged the write (`WAIT`), so a failover cannot lose it. When Redis cannot be
   * reached (or no replica acknowledges) it throws `BackendUnavailableError` but activates this
   * instance anyway; retry to make it global. When no version is left (the stored one is
   * 2^53 - 1, numbered by hand) or signed writers kept racing it, it throws `ConflictError`, and
   * this instance is active too.
   */
  async activate(reason: string, options?: KillSwitchChangeOptions): Promise<void> {
    const validReason = parseInput(killSwitchReasonSchema, reason, 'kill switch reason');
    const change = this.describeChange(true, options, validReason);
    // The stop holds here from this call on: a slow Redis must not leave the instance that
    // activated answering "inactive" until its reply (or its timeout) comes.
    const letGo = this.local.holdWhileActivating(localActivationOf(change, validReason));
    try {
      await this.activateEverywhere(change, validReason);
    } finally {
      letGo();
    }
  }

  /** Writes an activation (and waits for replicas); on any failure pins it locally and throws. */
  private async activateEverywhere(change: KillSwitchChange, validReason: string): Promise<void> {
    try {
      // Inside: whatever fails from here on, the stop holds on this instance.
      this.start();
      await this.writeAndTake(change);
    } catch (error) {
      this.pinLocally(change, validReason);
      if (ConflictError.isInstance(error)) throw error;
      throw this.unavailable(
        `Kill switch "${this.name}" is active on this instance only: Redis could not be reached ` +
          `(${messageOf(error)}). Retry activate() to make it global.`,
        error,
      );
    }
    const version = this.local.record()?.version;
    try {
      await this.#writer.waitForReplicas();
    } catch (error) {
      this.pinLocally(change, validReason);
      throw this.unavailable(
        `Kill switch "${this.name}" was written to the Redis master, but no replica acknowledged it ` +
          `(${messageOf(error)}): a failover could lose it. It holds on this instance; retry activate().`,
        error,
      );
    }
    this.audit.emit(change, { scope: 'global', ...(version ? { version } : {}) });
  }

  /**
   * Deactivates the switch for every instance, and releases a switch whose state is unknown (no
   * record, a tampered or unsigned one) by writing a trusted inactive record; idempotent otherwise.
   * It waits for the master's answer only: a deactivation lost in a failover leaves the switch
   * active (the safe side); call it again. When Redis cannot be reached it throws
   * `BackendUnavailableError` and changes nothing (a stop is never lifted locally only); when
   * Redis received the release but did not answer in time, it throws too, and the release may
   * still take effect (every instance records it as an observed change). With
   * `verifyKey` but no `signingKey` it throws `AccessDeniedError`: an unsigned release would be
   * read as unknown.
   */
  async deactivate(options?: KillSwitchChangeOptions): Promise<void> {
    const change = this.describeChange(false, options);
    if (this.#config.verifyKey && !this.#config.signingKey) {
      throw new AccessDeniedError({
        message: `Kill switch "${this.name}" verifies signatures but has no signingKey: only the operator's key can deactivate it`,
      });
    }
    this.start();
    let written: WrittenChange;
    let wasLocalOnly: boolean;
    try {
      ({ written, wasLocalOnly } = await this.writeAndTake(change));
    } catch (error) {
      if (ConflictError.isInstance(error)) throw error;
      throw this.unavailable(
        `Kill switch "${this.name}": deactivate() did not complete (${messageOf(error)}). If Redis received ` +
          'the release before failing to answer, it may still take effect (every instance then records it ' +
          'as an observed change); read getState(), or call deactivate() again.',
        error,
      );
    }
    if (written.outcome === 'changed' || wasLocalOnly) {
      const version = this.local.record()?.version;
      this.audit.emit(change, { scope: 'global', ...(version ? { version } : {}) });
    }
  }

  /**
   * The shared history of changes, newest first, at most `historyLimit` entries. With `verifyKey`
   * each entry says `signed` (signed by the operator and consistent with the entries before it)
   * and `tookEffect` (this instance held that very record as the state).
   */
  async getHistory(): Promise<KillSwitchHistoryEntry[]> {
    this.start();
    let records: KillSwitchRecord[];
    try {
      records = await this.readHistoryRecords();
    } catch (error) {
      throw this.unavailable(`Kill switch "${this.name}" could not read its history from Redis`, error);
    }
    const verdicts = this.judgeHistory(records);
    return records
      .map((record) => historyEntryFromRecord(record, verdicts?.get(record)))
      .filter((entry) => entry !== undefined);
  }

  /**
   * The history as written (signatures included), newest first: what `getHistory()` lists and
   * what the audit trail reports from. Throws what the read threw (each caller handles it).
   */
  private async readHistoryRecords(): Promise<KillSwitchRecord[]> {
    const { historyKey, historyLimit, commandTimeoutMs } = this.#config;
    const entries = await this.#connections.run(
      (redis) => redis.lrange(historyKey, 0, historyLimit - 1),
      commandTimeoutMs,
    );
    return entries.map(historyRecordFromJson).filter((entry) => entry !== undefined);
  }

  /** With `verifyKey`, what each history entry proves (see {@link judgeHistory}). */
  private judgeHistory(records: readonly KillSwitchRecord[]): Map<KillSwitchRecord, HistoryVerdict> | undefined {
    const verifyKey = this.#config.verifyKey;
    if (!verifyKey) return undefined;
    return judgeHistory(
      records,
      (record) => this.judge.isSigned(record),
      (record) => this.heldSigned.has(record),
    );
  }

  /** Stops the re-read timer and ends the connections this instance opened (never an injected client). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.firstReadSettled = true;
    clearInterval(this.refreshTimer);
    this.local.close();
    this.#connections.close();
  }

  private start(): void {
    if (this.firstRead || this.closed) return;
    this.#connections.start();
    this.refreshTimer = setInterval(() => void this.tick(), this.#config.refreshIntervalMs);
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

  /** Follows the change stream first (so no change slips between read and stream), then reads, retrying until `staleAfterMs`. */
  private async readFirstState(): Promise<boolean> {
    const deadline = performance.now() + this.#config.staleAfterMs;
    await this.#connections.waitForFollowing(this.#config.staleAfterMs);
    while (!this.closed) {
      const remaining = deadline - performance.now();
      if (await this.refresh(Math.min(Math.max(remaining, 0), this.#config.commandTimeoutMs))) return true;
      if (remaining <= 0) return false;
      await sleep(Math.min(FIRST_READ_RETRY_MS, remaining));
    }
    return false;
  }

  private async tick(): Promise<void> {
    this.#connections.ensureFollowing();
    await this.refresh(0);
    this.local.notifyIfChanged();
  }

  /**
   * An entry of the change stream carries the record a change wrote. The stream is a key, as
   * writable as the state hash and no more, yet not the state: an entry is taken at once, as a
   * read of the record would be (saving the round trip), only when taking it cannot lift a stop:
   * an activation newer than the record held (a forged one can only deny, as a forged record
   * can), or with `verifyKey` a record signed by the operator that is newer than the trusted
   * record held and than every signed one seen. It never makes a stale copy fresh (only a read
   * does) and a release never resolves an unknown state. Anything else (an unsigned release,
   * forged, replayed, older) is only a hint to re-read the hash, except an entry announcing
   * exactly the record this instance holds from its own change: a re-read would only find what
   * the write's answer already confirmed.
   */
  private onEntry(payload: string): void {
    if (this.changesInFlight > 0) {
      this.entriesDuringChange.hold(payload);
      return;
    }
    if (this.firstReadSettled) {
      const held = this.local.record();
      const record = recordFromEntry(payload);
      if (record && held && held === this.ownChange && sameRecord(record, held) && !this.local.isStale()) return;
      if (record && this.takeEntry(record, held)) return;
    }
    this.hint();
  }

  /** Takes an entry that cannot lift a stop (see {@link onEntry}); false when it is only a hint. */
  private takeEntry(record: KillSwitchRecord, held: KillSwitchRecord | undefined): boolean {
    if (record.active) {
      if (held && record.version <= held.version) return false;
      const state = this.judge.judge({ kind: 'record', record });
      if (state.kind !== 'known' || !state.record.active) return false;
      this.take(state, { own: false, confirmed: false });
      return true;
    }
    return this.takeSignedRelease(record, held);
  }

  private takeSignedRelease(record: KillSwitchRecord, held: KillSwitchRecord | undefined): boolean {
    const verifyKey = this.#config.verifyKey;
    if (!verifyKey || !held) return false;
    if (record.version <= held.version || record.version <= this.judge.highestSignedVersion) return false;
    if (!isSignedBy(this.switchId, record, verifyKey)) return false;
    // Verified just now: judging it must not pay for a second Ed25519 verification. A signed
    // release judged unknown (over an older state than an activation seen) is only a hint: an
    // entry never changes the answer by itself, to "unknown" no more than to "inactive".
    const state = this.judge.judge({ kind: 'record', record }, { signatureVerified: true });
    if (state.kind !== 'known') return false;
    this.take(state, { own: false, confirmed: false });
    return true;
  }

  /**
   * A hint (an entry that was not taken, or following the stream anew) only says "re-read": the
   * answer comes from the record. A flood of hints costs at most one read in flight and one queued.
   */
  private hint(): void {
    if (this.refreshing) this.rereadRequested = true;
    else void this.refresh(0);
  }

  /** Re-reads the state; concurrent callers share one read. Resolves false when Redis did not answer. */
  private refresh(waitForReadyMs: number): Promise<boolean> {
    this.refreshing ??= (async () => {
      let answered: boolean;
      do {
        this.rereadRequested = false;
        answered = await this.readState(waitForReadyMs);
      } while (this.rereadRequested && answered && !this.closed);
      return answered;
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async readState(waitForReadyMs: number): Promise<boolean> {
    try {
      // The state is as old as the read, not as its reply: a slow reply must not look fresh.
      let readAt = monotonicClock();
      let takenBefore = this.takenOutsideReads;
      const hash = await this.#connections.run((redis) => {
        readAt = monotonicClock();
        takenBefore = this.takenOutsideReads;
        return readStateHash(redis, this.#config.stateKey);
      }, waitForReadyMs);
      if (this.takenOutsideReads !== takenBefore) {
        // An entry (or this instance's own change) was taken while the read was on its way: the
        // read may predate it, and taking it would undo a newer state (an activation) until the
        // next re-read. Read again instead.
        this.rereadRequested = true;
        return true;
      }
      this.take(this.judge.judge(readingFromHash(hash)), { own: false, readAt, fromRead: true });
      this.checkPersistenceOnce();
      return true;
    } catch (error) {
      this.#config.onError(error);
      return false;
    }
  }

  /** Takes a state; a change made elsewhere reaches this host's audit trail as an observed event. */
  private take(
    state: TrustedState,
    options: { own: boolean; clearLocalActivation?: boolean; confirmed?: boolean; readAt?: number; fromRead?: true },
  ): void {
    // Anything but a read (an entry, this instance's own change) may be newer than a read on its way.
    if (!options.fromRead) this.takenOutsideReads += 1;
    const previous = this.local.accept(state, options);
    const after = state.kind === 'known' ? state.record : undefined;
    if (after && this.#config.verifyKey) this.heldSigned.remember(after);
    if (options.own) {
      if (after) this.audit.rememberOwnVersion(after.version);
      return;
    }
    if (!this.firstReadSettled || !previous) {
      this.audit.skipTo(after?.version ?? 0);
      return;
    }
    this.audit.observe(previous, state);
  }

  /**
   * Writes a change and takes what Redis then holds (the script's answer is a read). Stream
   * entries arriving meanwhile are handled once it is taken: one of them may announce this very change,
   * and then needs no re-read. Only the first few wait (a flood would otherwise be held for as
   * long as the write takes); the rest cost one re-read. Returns whether a local-only activation
   * held just before.
   */
  private async writeAndTake(change: KillSwitchChange): Promise<{ written: WrittenChange; wasLocalOnly: boolean }> {
    this.changesInFlight += 1;
    try {
      // The script's answer is a read, no newer than the first command of the change.
      const readAt = monotonicClock();
      const written = await this.#writer.write(change, this.local.record());
      const wasLocalOnly = this.local.hasLocalActivation();
      this.take(this.#writer.judgeWritten(written), { own: true, clearLocalActivation: true, readAt });
      this.ownChange = this.local.record();
      return { written, wasLocalOnly };
    } finally {
      this.changesInFlight -= 1;
      if (this.changesInFlight === 0) {
        const { messages, rereadForDropped } = this.entriesDuringChange.release();
        for (const payload of messages) this.onEntry(payload);
        if (rereadForDropped) this.hint();
      }
    }
  }

  /** Says once, through `onError` and `events`, that this Redis keeps no data across a restart. */
  private checkPersistenceOnce(): void {
    if (this.persistenceChecked) return;
    this.persistenceChecked = true;
    void this.#connections
      .run((redis) => describeRedisPersistence(redis), this.#config.commandTimeoutMs)
      .then((persistence) => {
        if (persistence.persistent) return;
        const message =
          `Redis keeps no kill switch state across a restart (${persistence.detail}): after one, every instance of ` +
          `"${this.name}" fails closed (unknown) until an operator calls deactivate(). Turn on appendonly.`;
        this.#config.onError(new BackendUnavailableError({ backend: 'redis', message }));
        this.audit.safeEmit({
          type: 'policy_warning',
          details: { name: this.name, warning: 'redis-without-persistence', message },
        });
      })
      .catch(this.#config.onError);
  }

  private pinLocally(change: KillSwitchChange, reason: string): void {
    this.local.pinLocalActivation(localActivationOf(change, reason));
    this.audit.emit(change, { scope: 'local' });
  }

  private describeChange(
    active: boolean,
    options: KillSwitchChangeOptions | undefined,
    reason?: string,
  ): KillSwitchChange {
    // Core's schemas also refuse a lone surrogate, which Redis could not store as written (a
    // signature over it would break): what a change stores comes back unchanged.
    const { actor } = parseInput(killSwitchChangeOptionsSchema, options ?? {}, 'kill switch options');
    const changedAt = toIsoTime(this.#config.now());
    return { active, changedAt, ...(reason ? { reason } : {}), ...(actor ? { actor } : {}) };
  }

  private unavailable(message: string, cause?: unknown): BackendUnavailableError {
    return new BackendUnavailableError({ backend: 'redis', message, cause });
  }
}

/** An activation as this instance holds it on its own (while on its way, or when Redis failed). */
function localActivationOf(change: KillSwitchChange, reason: string): LocalActivation {
  return { reason, changedAt: change.changedAt, ...(change.actor ? { actor: change.actor } : {}) };
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
 * Creates a {@link KillSwitch} shared by every process through Redis (single, Sentinel or
 * Cluster), failing closed. No I/O happens here: the connections open on the first call.
 *
 * @example
 * const killSwitch = createRedisKillSwitch({ url: process.env.REDIS_URL, name: 'global' });
 * await killSwitch.deactivate({ actor: 'alice' }); // once, at first deployment: a missing state is unknown (deny)
 * await killSwitch.activate('Security incident detected', { actor: 'alice' });
 * await killSwitch.isActive(); // true, in every process using the same Redis and name
 */
export function createRedisKillSwitch(config: RedisKillSwitchConfig = {}): RedisKillSwitch {
  return new RedisKillSwitch(config);
}
