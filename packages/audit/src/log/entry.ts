/**
 * The bytes of one log entry: UTF-8 JSON `{ seq, prev, event }`. `seq` is the entry's index
 * and `prev` the leaf hash of the entry before it, so that the verifier can name the exact
 * entry of a naive edit, deletion, insertion or reordering; the Merkle tree and the signed
 * checkpoints are what make the log tamper-evident against an attacker who rewrites both.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import type { SecurityEvent } from '@warden/core';

/** One entry as stored. */
export interface AuditEntry {
  /** Index of the entry in the log (0-based). */
  seq: number;
  /** Base64 leaf hash of the previous entry (`""` for the first). */
  prev: string;
  /** The redacted event. */
  event: SecurityEvent;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes an entry for storage. */
export function encodeEntry(entry: AuditEntry): Uint8Array {
  return Buffer.from(JSON.stringify(entry), 'utf8');
}

/**
 * Encodes an entry whose event is already JSON: the same bytes as {@link encodeEntry}, so the
 * expensive part (redaction, serialisation) can run before the entry's position is known.
 */
export function encodeEntryWithEventJson(seq: number, prev: string, eventJson: string): Uint8Array {
  // Buffer.from encodes UTF-8 several times faster than TextEncoder on Node 20.
  return Buffer.from(`{"seq":${seq},"prev":${JSON.stringify(prev)},"event":${eventJson}}`, 'utf8');
}

/** Decodes stored bytes, or returns `undefined` when they are not an entry. */
export function decodeEntry(bytes: Uint8Array): AuditEntry | undefined {
  try {
    const parsed = JSON.parse(decoder.decode(bytes)) as Partial<AuditEntry> | null;
    if (!parsed || typeof parsed !== 'object' || !Number.isSafeInteger(parsed.seq)) return undefined;
    if (typeof parsed.prev !== 'string' || typeof parsed.event !== 'object' || parsed.event === null) return undefined;
    return parsed as AuditEntry;
  } catch {
    return undefined;
  }
}

/** Base64 of a hash, as used in `prev`. */
export function hashToBase64(hash: Uint8Array | undefined): string {
  return hash ? Buffer.from(hash).toString('base64') : '';
}
