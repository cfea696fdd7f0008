import { ConflictError } from '@warden/core';
import { acknowledgedReplicas, type RedisClient, waitBudgetMs } from '@warden/redis-client';
import type { ParsedRedisKillSwitchConfig } from './redis-kill-switch-config.js';
import type { KillSwitchConnections } from './redis-kill-switch-connections.js';
import type { KillSwitchJudge } from './redis-kill-switch-judge.js';
import type { TrustedState } from './redis-kill-switch-local-copy.js';
import { type KillSwitchRecord, readingFromHash, sameRecord } from './redis-kill-switch-record.js';
import {
  type KillSwitchChange,
  type KillSwitchScriptResult,
  MAX_KILL_SWITCH_VERSION,
  readStateHash,
  runChangeScript,
  versionsExhausted,
} from './redis-kill-switch-script.js';
import { signRecord } from './redis-kill-switch-signature.js';

/** What a change wrote, and the record this instance signed for it (with `signingKey`). */
export type WrittenChange = KillSwitchScriptResult & { signed?: KillSwitchRecord };

/** How often a signed change retries when another writer changed the record between read and write. */
const SIGNED_WRITE_ATTEMPTS = 5;

/** Writes the switch's changes to Redis (signed with `signingKey`) and waits for replicas. */
export class KillSwitchWriter {
  /** The connection (socket) the last write's reply came on: `WAIT` vouches only for writes made on it. */
  private lastWriteSocket: unknown;

  /**
   * @param switchId the switch as signed (`<database>/<keyPrefix>{<name>}`)
   * @param signsForVerifyKey `signingKey` is the private half of `verifyKey`: what is signed here verifies
   */
  constructor(
    private readonly switchId: string,
    private readonly config: ParsedRedisKillSwitchConfig,
    private readonly connections: KillSwitchConnections,
    private readonly judge: KillSwitchJudge,
    private readonly signsForVerifyKey: boolean,
  ) {}

  /**
   * Writes a change: unsigned, a version bump (an idempotent release leaves a trusted inactive
   * record alone); signed, a version above every one seen, over the version expected, retried
   * when another writer changed the record in between. `held`: the record the instance holds.
   */
  async write(change: KillSwitchChange, heldRecord: KillSwitchRecord | undefined): Promise<WrittenChange> {
    const { signingKey } = this.config;
    if (!signingKey) {
      const run = (skipIfInactive: boolean): Promise<KillSwitchScriptResult> =>
        this.connections.run(
          (redis) => this.runScript(redis, change, { skipIfInactive }),
          this.config.commandTimeoutMs,
        );
      const result = await run(!change.active);
      // "Inactive" that this instance cannot trust (a tampered record) is rewritten, not kept.
      if (result.outcome === 'unchanged' && this.judge.judge(result.reading).kind !== 'known') return run(false);
      return result;
    }
    // An activation starts from the version this instance holds, saving a read before the write
    // (the script checks it; a conflict answers with what is stored, and the next attempt uses that).
    const held = change.active ? heldRecord : undefined;
    let known: Record<string, string> | undefined = held ? { version: String(held.version) } : undefined;
    for (let attempt = 0; attempt < SIGNED_WRITE_ATTEMPTS; attempt += 1) {
      const hash =
        known ??
        (await this.connections.run(
          (redis) => readStateHash(redis, this.config.stateKey),
          this.config.commandTimeoutMs,
        ));
      if (!change.active) {
        // A release over a release this instance trusts changes nothing. Trusted as a read would
        // trust it: a signed release replayed over a newer activation (a rollback) is signed, yet
        // left in place it keeps every instance that saw the activation unknown. (An activation
        // needs only the stored version: parsing the hash would be wasted work.)
        const reading = readingFromHash(hash);
        const judged = this.judge.judge(reading);
        if (judged.kind === 'known' && !judged.record.active) return { outcome: 'unchanged', reading, stored: hash };
      }
      const storedVersion = Number(hash.version);
      // A signed version only grows, even across a data loss: at least the wall clock in ms.
      const version = Math.max(
        (Number.isSafeInteger(storedVersion) ? storedVersion : 0) + 1,
        this.judge.highestSignedVersion + 1,
        Math.floor(this.config.now()),
      );
      // Past 2^53 - 1 a version no longer round-trips (nor does the reader accept it): refused here.
      if (version > MAX_KILL_SWITCH_VERSION) throw versionsExhausted(this.config.stateKey);
      const basis = this.judge.basisOver(hash, version);
      const record = { version, ...change, basis };
      const signature = signRecord(this.switchId, record, signingKey);
      const expectedVersion = hash.version ?? '';
      const result = await this.connections.run(
        (redis) =>
          this.runScript(redis, change, {
            version,
            expectedVersion,
            signature,
            basis,
            skipIfInactive: false,
          }),
        this.config.commandTimeoutMs,
      );
      if (result.outcome !== 'conflict') return { ...result, signed: { ...record, signature } };
      known = result.stored;
    }
    throw new ConflictError({
      message: `Kill switch "${this.config.name}" changed concurrently ${SIGNED_WRITE_ATTEMPTS} times; retry`,
    });
  }

  /** Runs the change script, remembering the connection its reply came on (see {@link waitForReplicas}). */
  private async runScript(
    redis: RedisClient,
    change: KillSwitchChange,
    mode: Parameters<typeof runChangeScript>[3],
  ): Promise<KillSwitchScriptResult> {
    const result = await runChangeScript(redis, this.config, change, mode);
    this.lastWriteSocket = socketOf(redis);
    return result;
  }

  /**
   * Judges what a change left in Redis. A record identical to the one this instance has just
   * signed, with a signing key that pairs with `verifyKey`, is known to verify: no second
   * Ed25519 verification of it.
   */
  judgeWritten(written: WrittenChange): TrustedState {
    const { reading, signed } = written;
    const verified =
      this.signsForVerifyKey && signed && reading.kind === 'record' && sameRecord(reading.record, signed);
    return this.judge.judge(reading, verified ? { signatureVerified: true } : {});
  }

  /**
   * On replicated topologies, waits until `minReplicaAcks` replicas hold the last write.
   *
   * `WAIT` counts the replicas that hold what was written on its own connection. After a
   * reconnection (ioredis resends a pending command, or sends one queued while offline) it may
   * reach another server, such as the master a failover promoted, whose replicas never saw the
   * write: there it would vouch for a write that is lost. So it counts only when it was sent and
   * answered on the very connection the write's reply came on; otherwise this throws, and the
   * caller retries the write.
   */
  async waitForReplicas(): Promise<void> {
    // Always 0 on Cluster (see replicaAcksFor).
    const { minReplicaAcks, commandTimeoutMs } = this.config;
    if (minReplicaAcks === 0) return;
    const waitMs = waitBudgetMs(commandTimeoutMs);
    const writtenOn = this.lastWriteSocket;
    const acknowledged = await this.connections.run(async (redis) => {
      if (writtenOn === undefined || socketOf(redis) !== writtenOn) throw connectionChanged();
      const count = await redis.call('WAIT', minReplicaAcks, waitMs);
      if (socketOf(redis) !== writtenOn) throw connectionChanged();
      return count;
    }, commandTimeoutMs);
    // Read as a count: `Number('OK')` is NaN, and NaN < 1 is false, so garbage counted as acknowledged.
    const replicas = acknowledgedReplicas(acknowledged);
    if (replicas < minReplicaAcks) {
      throw new Error(`${replicas} of ${minReplicaAcks} replicas acknowledged within ${waitMs} ms`);
    }
  }
}

/** The socket a single-server or Sentinel client talks on now (a new one after each reconnection). */
function socketOf(redis: RedisClient): unknown {
  return 'stream' in redis ? redis.stream : undefined;
}

function connectionChanged(): Error {
  return new Error(
    'the connection to Redis changed between the write and WAIT (a reconnection, perhaps to a new master): ' +
      'no acknowledgement can be counted for the write',
  );
}
