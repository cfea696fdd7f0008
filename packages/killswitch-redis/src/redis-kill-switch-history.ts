import type { KillSwitchRecord } from './redis-kill-switch-record.js';

/** What an instance with `verifyKey` can say of one history entry. */
export interface HistoryVerdict {
  /**
   * The operator's key signed this record for this switch, and it fits the signed entries below
   * it (older): its version is above theirs and, a release, its basis is at least every signed
   * activation among them. A signed release that lost its race to an activation released an older
   * state; listed after that activation (by a Redis user swapping entries) it fits only when it
   * carries that activation's very version, and then only `tookEffect` tells them apart.
   */
  signed: boolean;
  /** This instance itself held this very record (same version and signature) as the switch's state. */
  tookEffect: boolean;
}

/**
 * Judges the history (newest first, as read) entry by entry, oldest first: see
 * {@link HistoryVerdict}. `verify` checks a signature; `held` says whether this instance held the
 * record as its state. An entry beyond the oldest kept (`historyLimit`) is not there to judge by.
 */
export function judgeHistory(
  history: readonly KillSwitchRecord[],
  verify: (record: KillSwitchRecord) => boolean,
  held: (record: KillSwitchRecord) => boolean,
): Map<KillSwitchRecord, HistoryVerdict> {
  const verdicts = new Map<KillSwitchRecord, HistoryVerdict>();
  let lastSigned = -1;
  let highestActivation = -1;
  for (let index = history.length - 1; index >= 0; index -= 1) {
    const record = history[index];
    if (!record) continue;
    const fits = record.version > lastSigned && (record.active || (record.basis ?? -1) >= highestActivation);
    const signed = fits && verify(record);
    if (signed) {
      lastSigned = record.version;
      if (record.active) highestActivation = Math.max(highestActivation, record.version);
    }
    verdicts.set(record, { signed, tookEffect: held(record) });
  }
  return verdicts;
}

/**
 * The signed records an instance held as the switch's state, by version (the newest `limit`):
 * what `tookEffect` is judged by.
 */
export class HeldSignedRecords {
  private readonly signatures = new Map<number, string>();

  /** @param limit how many to keep (the history's length: an older one is no longer listed). */
  constructor(private readonly limit: number) {}

  /** Remembers a record held as the state (only a signed one can be recognised later). */
  remember(record: KillSwitchRecord): void {
    if (!record.signature || this.signatures.get(record.version) === record.signature) return;
    this.signatures.delete(record.version);
    this.signatures.set(record.version, record.signature);
    if (this.signatures.size <= this.limit) return;
    let oldest: number | undefined;
    for (const version of this.signatures.keys()) if (oldest === undefined || version < oldest) oldest = version;
    if (oldest !== undefined) this.signatures.delete(oldest);
  }

  /** True when this very record (version and signature) was held. */
  has(record: KillSwitchRecord): boolean {
    return record.signature !== undefined && this.signatures.get(record.version) === record.signature;
  }
}
