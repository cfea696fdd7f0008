/**
 * Per-entry checks of the verifier: each entry's `seq` must be its position and its `prev` the
 * leaf hash of the entry before it. They name the exact entry of an edit, deletion, insertion
 * or reordering made without rewriting those fields; the signed roots catch the rest. The checks
 * see the entries one at a time and keep only the previous leaf hash (and one entry of look-ahead
 * after a misplaced one), so a log of any length is checked in bounded memory.
 *
 * @module
 */
import type { AuditProblem } from '../errors.js';
import { type AuditEntry, decodeEntry, hashToBase64 } from '../log/entry.js';

/** What the checks read of an entry: its position and its link (the event is not kept). */
export type EntryLink = Pick<AuditEntry, 'seq' | 'prev'>;

/** The link of a stored record, or `undefined` when it is not an entry. */
export function linkOf(record: Uint8Array): EntryLink | undefined {
  const entry = decodeEntry(record);
  return entry && { seq: entry.seq, prev: entry.prev };
}

/**
 * Checks the positions and links of entries given in order (`undefined` where a record is not an
 * entry); `problems` holds at most one problem per tampering, first one first.
 */
export class EntryChecks {
  /** What the entries given so far show (complete once {@link EntryChecks.finish} is called). */
  readonly problems: AuditProblem[] = [];
  private index = 0;
  private previousLeafHash: Uint8Array | undefined;
  // A misplaced entry waits for the next one's `seq` to be classified; after it nothing is checked.
  private misplaced: { index: number; seq: number } | undefined;
  private stopped = false;

  /** Checks the next entry, whose leaf hash is `leafHash`. */
  add(entry: EntryLink | undefined, leafHash: Uint8Array): void {
    const index = this.index;
    this.index += 1;
    const previousLeafHash = this.previousLeafHash;
    this.previousLeafHash = leafHash;
    if (this.misplaced) {
      this.problems.push(classifyMisplaced(this.misplaced.index, this.misplaced.seq, entry?.seq, false));
      this.misplaced = undefined;
    }
    if (this.stopped) return;
    if (!entry) {
      this.problems.push({
        kind: 'malformed-entry',
        index,
        message: `entry ${index} is not an audit entry (its bytes were changed)`,
      });
      return;
    }
    if (entry.seq !== index) {
      // Everything after a deleted or inserted entry is off by one: report the first only.
      this.misplaced = { index, seq: entry.seq };
      this.stopped = true;
      return;
    }
    if (entry.prev !== hashToBase64(previousLeafHash)) {
      this.problems.push({
        kind: 'entry-modified',
        index: index - 1,
        message: `entry ${index - 1} was modified: entry ${index} links to a different entry ${index - 1}`,
      });
    }
  }

  /** Ends the checks: a misplaced last entry is classified without a next one. */
  finish(): AuditProblem[] {
    if (this.misplaced) {
      this.problems.push(classifyMisplaced(this.misplaced.index, this.misplaced.seq, undefined, true));
      this.misplaced = undefined;
    }
    return this.problems;
  }
}

function classifyMisplaced(index: number, seq: number, next: number | undefined, isLast: boolean): AuditProblem {
  if (seq === index + 1 && next === index) {
    return {
      kind: 'entry-out-of-order',
      index,
      range: [index, index + 2],
      message: `entries ${index} and ${index + 1} were swapped`,
    };
  }
  if (seq === index + 1 && (isLast || next === index + 2)) {
    return {
      kind: 'entry-missing',
      index,
      message: `entry ${index} was deleted: position ${index} holds entry ${seq}`,
    };
  }
  if (seq === index - 1) {
    // Two positions claim the same entry: the verifier tells which one the signed root rejects.
    return {
      kind: 'entry-inserted',
      index: index - 1,
      range: [index - 1, index + 1],
      message: `an entry was inserted at position ${index - 1} or ${index} (both claim to be entry ${seq})`,
    };
  }
  if (next === index) {
    return {
      kind: 'entry-inserted',
      index,
      message: `an entry was inserted at position ${index} (it claims to be entry ${seq}; entry ${index} follows it)`,
    };
  }
  return { kind: 'entry-out-of-order', index, message: `entries were reordered: position ${index} holds entry ${seq}` };
}
