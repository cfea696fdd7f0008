import type { KeyObject } from 'node:crypto';
import type { TrustedState } from './redis-kill-switch-local-copy.js';
import type { KillSwitchReading, KillSwitchRecord } from './redis-kill-switch-record.js';
import { isSignedBy } from './redis-kill-switch-signature.js';

/** What a {@link KillSwitchJudge} needs to know of its switch. */
export interface KillSwitchJudgeOptions {
  /** The switch's name, for the reasons it gives. */
  name: string;
  /** The switch as signed (`<database>/<keyPrefix>{<name>}`). */
  switchId: string;
  /** The operator's public key; without it every record is taken as it is. */
  verifyKey: KeyObject | undefined;
}

/**
 * Judges what an instance may trust in a reading of the state, and keeps the floors that judging
 * needs: the highest signed version trusted (an older signed record is a rollback) and the
 * highest signed activation held (a signed release whose basis is older lost a race to it).
 */
export class KillSwitchJudge {
  /** Highest signed version this instance has trusted: an older signed record is a rollback. */
  private highestSigned = 0;
  /**
   * Highest version of a signed activation this instance has held: a signed release whose basis
   * is older was made without knowing of it (it lost a race to it, or was replayed). Unsigned
   * activations do not count: their version is whatever a Redis user typed, and one numbered
   * near 2^53 would refuse every later release until the process restarts.
   */
  private highestSignedActivation = 0;

  /** @param options the switch judged */
  constructor(private readonly options: KillSwitchJudgeOptions) {}

  /** Highest signed version trusted so far (a signed change is numbered above it). */
  get highestSignedVersion(): number {
    return this.highestSigned;
  }

  /** True when the record carries a valid signature by `verifyKey` for this switch. */
  isSigned(record: KillSwitchRecord): boolean {
    const verifyKey = this.options.verifyKey;
    return !!verifyKey && isSignedBy(this.options.switchId, record, verifyKey);
  }

  /**
   * What this instance may trust in a reading: only a record (signed, with `verifyKey`) can say
   * inactive. `signatureVerified`: the caller has just verified this very record with `verifyKey`.
   */
  judge(reading: KillSwitchReading, checked: { signatureVerified?: true } = {}): TrustedState {
    const name = this.options.name;
    if (reading.kind === 'missing') {
      return {
        kind: 'unknown',
        why:
          `Kill switch "${name}" has no state record in Redis (first deployment, data loss or wrong database): ` +
          'failing closed. An operator releases it with an explicit deactivate().',
      };
    }
    if (reading.kind === 'malformed') {
      return {
        kind: 'unknown',
        why: `Kill switch "${name}" state record in Redis cannot be read: failing closed. An operator's deactivate() rewrites it.`,
      };
    }
    const { record } = reading;
    const verifyKey = this.options.verifyKey;
    // Without a key to check, or when the record says "stop", the record is taken as it is: a
    // forged activation can only deny.
    if (!verifyKey) return { kind: 'known', record };
    const signed = checked.signatureVerified ?? isSignedBy(this.options.switchId, record, verifyKey);
    if (record.active) {
      // A signed activation raises the floor, so an older signed release replayed later is a rollback.
      if (signed) {
        this.highestSigned = Math.max(this.highestSigned, record.version);
        this.highestSignedActivation = Math.max(this.highestSignedActivation, record.version);
      }
      return { kind: 'known', record };
    }
    if (!signed) {
      return {
        kind: 'unknown',
        why: `Kill switch "${name}" state record is not signed by the operator's key: failing closed. Deactivate it with the signingKey.`,
      };
    }
    if (record.version < this.highestSigned) {
      return {
        kind: 'unknown',
        why: `Kill switch "${name}" state record is older (version ${record.version}) than one already seen (${this.highestSigned}): a rollback, failing closed.`,
      };
    }
    // The signature proves the operator released *something*, not that the release came after
    // every stop: a release signed and sent but beaten to Redis by an activation (and seen there
    // by anyone with MONITOR) may carry a higher version than that activation. Its basis says
    // which state it released.
    if ((record.basis ?? -1) < this.highestSignedActivation) {
      return {
        kind: 'unknown',
        why:
          `Kill switch "${name}" state record releases version ${record.basis ?? 'unknown'}, older than an ` +
          `activation already seen (${this.highestSignedActivation}): a replayed or overtaken release, failing closed.`,
      };
    }
    this.highestSigned = record.version;
    return { kind: 'known', record };
  }

  /**
   * What a signed change replaces: the stored record's version (the script checks it is still
   * there), and every signed activation this instance has seen; its own version when Redis holds no
   * record it can read (a data loss: the version, at least the wall clock, is all it can vouch for).
   */
  basisOver(hash: Record<string, string>, version: number): number {
    // Every version the reader accepts, up to 2^53 - 1 (15 digits wrongly made a 16-digit stored
    // version "none readable", and the basis then claimed the release's own version).
    const stored = hash.version === undefined ? Number.NaN : Number(hash.version);
    if (!/^[0-9]{1,16}$/.test(hash.version ?? '') || !Number.isSafeInteger(stored)) return version;
    return Math.max(stored, this.highestSigned);
  }
}
