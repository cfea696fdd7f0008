/**
 * C2SP checkpoints (c2sp.org/tlog-checkpoint): the note text `<origin>\n<size>\n<base64 root>\n`
 * followed by optional extension lines.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import { AuditLogCorruptedError, AuditSignatureError } from '../errors.js';
import { HASH_SIZE } from '../merkle/hash.js';
import { verifyNote } from './signed-note.js';

/** A tree head: which log, how many entries, which root. */
export interface Checkpoint {
  /** The log's identity, its first line. */
  origin: string;
  /** Number of entries. */
  size: number;
  /** RFC 6962 root hash of the first `size` entries. */
  rootHash: Uint8Array;
  /** Extension lines (opaque, rarely used). */
  extensions: string[];
}

function malformed(message: string): AuditLogCorruptedError {
  return new AuditLogCorruptedError({ corruption: 'malformed-record', message: `malformed checkpoint: ${message}` });
}

/** The note text of a checkpoint. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const lines = [checkpoint.origin, String(checkpoint.size), Buffer.from(checkpoint.rootHash).toString('base64')];
  return `${[...lines, ...checkpoint.extensions].join('\n')}\n`;
}

/** Parses checkpoint note text; throws `AUDIT_LOG_CORRUPTED` (`malformed-record`) when it does not follow the spec. */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw malformed('text must end in a newline');
  const [origin, size, root, ...extensions] = text.slice(0, -1).split('\n');
  if (!origin) throw malformed('empty origin');
  if (size === undefined || !/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) {
    throw malformed(`tree size ${JSON.stringify(size)} is not a decimal without leading zeroes`);
  }
  const rootHash = Buffer.from(root ?? '', 'base64');
  if (rootHash.length !== HASH_SIZE || rootHash.toString('base64') !== root)
    throw malformed('root hash is not base64 of 32 bytes');
  if (extensions.some((line) => line === '')) throw malformed('empty extension line');
  return { origin, size: Number(size), rootHash: Uint8Array.from(rootHash), extensions };
}

/**
 * Verifies a checkpoint note signed by the log `origin` with `publicKey` and returns its
 * checkpoint. Throws `AUDIT_SIGNATURE_INVALID` when no signature of that key verifies, or when
 * the checkpoint's origin line is not `origin`: an Ed25519 note signature covers the text but
 * not the key name, so with one key signing two logs, a signature line of log B relabelled with
 * log A's name (its key ID is public) verifies "by A"; only the origin line tells the logs apart
 * (c2sp.org/tlog-checkpoint). Throws `AUDIT_LOG_CORRUPTED` when the text is not a checkpoint.
 */
export function verifyCheckpointNote(note: string, origin: string, publicKey: KeyObject): Checkpoint {
  const checkpoint = parseCheckpoint(verifyNote(note, origin, publicKey));
  if (checkpoint.origin !== origin) {
    throw new AuditSignatureError({
      message: `the checkpoint is of the log ${JSON.stringify(checkpoint.origin.slice(0, 200))}, not of ${origin}: a checkpoint of another log signed with the same key`,
    });
  }
  return checkpoint;
}
