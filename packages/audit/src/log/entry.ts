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
import { HASH_SIZE, hashLeafInSlotInto } from '../merkle/hash.js';
import { MAX_RECORD_BYTES } from '../storage/segment-format.js';

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

/** Consecutive entries encoded for storage, with their leaf hashes. */
export interface EncodedEntries {
  /** The bytes of each entry (views into one buffer). */
  records: Uint8Array[];
  /** The leaf hash of each entry, back to back (32 bytes each), as `MerkleTree.appendLeaves` takes them. */
  leafHashes: Buffer;
}

// Bytes of an entry besides its event: `{"seq":…,"prev":"…","event":}` with a safe integer and a base64 hash.
const ENTRY_OVERHEAD_BYTES = 96;

/** Largest event, as UTF-8 JSON, that fits in an entry: an entry is at most the largest record a segment frame holds. */
const MAX_EVENT_JSON_BYTES: number = MAX_RECORD_BYTES - ENTRY_OVERHEAD_BYTES;

/**
 * UTF-8 length of an event's JSON when it is more than {@link MAX_EVENT_JSON_BYTES}, otherwise
 * `undefined`. Counted only for a text long enough to exceed it (a UTF-16 code unit is at most
 * three UTF-8 bytes), so a common event costs one comparison.
 */
export function oversizedEventBytes(eventJson: string): number | undefined {
  if (eventJson.length * 3 <= MAX_EVENT_JSON_BYTES) return undefined;
  const bytes = Buffer.byteLength(eventJson, 'utf8');
  return bytes > MAX_EVENT_JSON_BYTES ? bytes : undefined;
}

/**
 * Encodes the entries `firstSeq…` whose events are already JSON, chaining each `prev` to the leaf
 * hash before it: the same bytes as {@link encodeEntry}, written into one buffer with a free byte
 * before each entry for the leaf prefix, so no entry is allocated, copied or concatenated on its own.
 */
export function encodeEntries(
  firstSeq: number,
  previous: Uint8Array | undefined,
  eventJsons: readonly string[],
): EncodedEntries {
  let bound = 0;
  // A UTF-16 code unit is at most three UTF-8 bytes.
  for (const eventJson of eventJsons) bound += 1 + ENTRY_OVERHEAD_BYTES + 3 * eventJson.length;
  const buffer = Buffer.allocUnsafe(bound);
  const records: Uint8Array[] = [];
  const leafHashes = Buffer.allocUnsafe(HASH_SIZE * eventJsons.length);
  let prev = hashToBase64(previous);
  let offset = 0;
  eventJsons.forEach((eventJson, position) => {
    // Base64 needs no JSON escaping, so this is exactly JSON.stringify({ seq, prev, event }).
    const text = `{"seq":${firstSeq + position},"prev":"${prev}","event":${eventJson}}`;
    const end = offset + 1 + buffer.write(text, offset + 1, 'utf8');
    prev = hashLeafInSlotInto(buffer.subarray(offset, end), leafHashes, HASH_SIZE * position);
    records.push(buffer.subarray(offset + 1, end));
    offset = end;
  });
  return { records, leafHashes };
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
  return hash ? Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('base64') : '';
}
