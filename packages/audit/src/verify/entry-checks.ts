/**
 * Per-entry checks of the verifier: each entry's `seq` must be its position and its `prev` the
 * leaf hash of the entry before it. They name the exact entry of an edit, deletion, insertion
 * or reordering made without rewriting those fields; the signed roots catch the rest.
 *
 * @module
 */
import type { AuditProblem } from '../errors.js';
import { type AuditEntry, decodeEntry, hashToBase64 } from '../log/entry.js';
import { ENTRIES_PER_TURN, nextTurn } from './turns.js';

/** What the checks read of an entry: its position and its link (the event is not kept). */
export type EntryLink = Pick<AuditEntry, 'seq' | 'prev'>;

/** The link of a stored record, or `undefined` when it is not an entry. */
export function linkOf(record: Uint8Array): EntryLink | undefined {
  const entry = decodeEntry(record);
  return entry && { seq: entry.seq, prev: entry.prev };
}

/**
 * Checks the positions and links of the entries (`undefined` where a record is not an entry);
 * returns at most one problem per tampering, first one first.
 */
export async function checkEntries(
  entries: readonly (EntryLink | undefined)[],
  leafHashes: readonly Uint8Array[],
): Promise<AuditProblem[]> {
  const problems: AuditProblem[] = [];
  const seqs = entries.map((entry) => entry?.seq);
  for (let index = 0; index < entries.length; index += 1) {
    if (index > 0 && index % ENTRIES_PER_TURN === 0) await nextTurn();
    const entry = entries[index];
    if (!entry) {
      problems.push({
        kind: 'malformed-entry',
        index,
        message: `entry ${index} is not an audit entry (its bytes were changed)`,
      });
      continue;
    }
    if (entry.seq !== index) {
      // Everything after a deleted or inserted entry is off by one: report the first only.
      problems.push(classifyMisplaced(index, entry.seq, seqs));
      break;
    }
    if (entry.prev !== hashToBase64(leafHashes[index - 1])) {
      problems.push({
        kind: 'entry-modified',
        index: index - 1,
        message: `entry ${index - 1} was modified: entry ${index} links to a different entry ${index - 1}`,
      });
    }
  }
  return problems;
}

function classifyMisplaced(index: number, seq: number, seqs: readonly (number | undefined)[]): AuditProblem {
  const next = seqs[index + 1];
  if (seq === index + 1 && next === index) {
    return {
      kind: 'entry-out-of-order',
      index,
      range: [index, index + 2],
      message: `entries ${index} and ${index + 1} were swapped`,
    };
  }
  if (seq === index + 1 && (index + 1 === seqs.length || next === index + 2)) {
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
