/**
 * Finding the newest checkpoint a log holds when it reopens.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { AuditLogCorruptedError } from '../errors.js';
import type { AuditStorage } from '../storage/port.js';

/** Checkpoint notes read and held at once while looking for the newest. */
const CHECKPOINTS_PER_READ = 8192;

/** The stored checkpoint notes a reopening log checks the tree against. */
export interface StoredCheckpointNotes {
  /** The note of the largest tree size (the last stored among equals). */
  newest: string;
  /** The note stored last (the same note, unless checkpoints were stored out of order). */
  last: string;
}

/**
 * The newest and the last stored checkpoint notes, or `undefined` when none is stored. The newest
 * is the one of the largest size, not the last stored: whoever can write the storage can store a
 * copy of an old, validly signed checkpoint after the newer ones, and a log checked only against
 * the last one would reopen on a history cut back to it and go on appending to it. Only the size
 * line is read here (each signature check costs an Ed25519 verification, and a log checkpointed
 * every second holds 86,400 a day); the caller verifies the notes it gets, so a forged note
 * claiming a larger size makes the log refuse to reopen rather than be skipped. Throws
 * `AUDIT_LOG_CORRUPTED` (`malformed-record`) for a stored note without a size line.
 */
export async function storedCheckpointNotes(
  checkpointStorage: AuditStorage,
): Promise<StoredCheckpointNotes | undefined> {
  const count = await checkpointStorage.size();
  let newest: { note: string; size: number } | undefined;
  let last: string | undefined;
  for (let start = 0; start < count; start += CHECKPOINTS_PER_READ) {
    const notes = await checkpointStorage.read(start, Math.min(count, start + CHECKPOINTS_PER_READ));
    for (const [offset, bytes] of notes.entries()) {
      const note = Buffer.from(bytes).toString('utf8');
      const size = claimedSize(note, start + offset);
      if (newest === undefined || size >= newest.size) newest = { note, size };
      last = note;
    }
  }
  return newest === undefined || last === undefined ? undefined : { newest: newest.note, last };
}

// A checkpoint's second line is its tree size (c2sp.org/tlog-checkpoint), in decimal without leading zeroes.
function claimedSize(note: string, position: number): number {
  const line = note.split('\n', 2)[1] ?? '';
  if (!/^(0|[1-9][0-9]*)$/.test(line) || !Number.isSafeInteger(Number(line))) {
    throw new AuditLogCorruptedError({
      corruption: 'malformed-record',
      message: `malformed checkpoint: stored checkpoint ${position} has no tree size line`,
    });
  }
  return Number(line);
}
