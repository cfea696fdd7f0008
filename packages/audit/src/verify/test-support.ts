/**
 * Test helpers: build a signed log in memory and tamper with its records like an attacker with
 * write access to the files would.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { SecurityEvent } from '@warden/core';
import { createAuditLog } from '../log/audit-log.js';
import { type AuditEntry, decodeEntry, encodeEntry, hashToBase64 } from '../log/entry.js';
import { hashLeaf } from '../merkle/hash.js';
import { MerkleTree } from '../merkle/tree.js';
import { formatCheckpoint, parseCheckpoint } from '../note/checkpoint.js';
import { signNote } from '../note/signed-note.js';
import { createMemoryAuditStorage } from '../storage/memory-storage.js';
import type { AuditBundle } from './bundle.js';

/** A signed log as the verifier sees it. */
export interface BuiltLog {
  records: Uint8Array[];
  checkpoints: string[];
  trustedCheckpoint: string;
  verifierKey: string;
}

/** A security event numbered `index`. */
export function sampleEvent(index: number): SecurityEvent {
  return { type: 'tool_blocked', timestamp: 1_700_000_000_000 + index, details: { tool: `tool-${index}`, index } };
}

/** Writes `size` events with stored checkpoints at `checkpointSizes` and at `size` (the trusted one). */
export async function buildLog(size: number, checkpointSizes: readonly number[] = []): Promise<BuiltLog> {
  const storage = createMemoryAuditStorage();
  const checkpointStorage = createMemoryAuditStorage();
  const { privateKey } = generateKeyPairSync('ed25519');
  const log = createAuditLog({
    storage,
    checkpointStorage,
    signingKey: privateKey,
    origin: 'warden.test/audit',
    checkpointIntervalMs: 0,
  });
  for (let index = 0; index < size; index += 1) {
    await log.write(sampleEvent(index));
    if (checkpointSizes.includes(index + 1)) await log.checkpoint();
  }
  const trusted = await log.checkpoint();
  const records = await storage.read(0, await storage.size());
  const checkpoints = (await checkpointStorage.read(0, await checkpointStorage.size())).map((note) =>
    Buffer.from(note).toString('utf8'),
  );
  await log.close();
  return { records, checkpoints, trustedCheckpoint: trusted.note, verifierKey: log.verifierKey };
}

/** The bundle of records and checkpoints. */
export function toBundle(records: readonly Uint8Array[], checkpoints: readonly string[]): AuditBundle {
  return {
    format: 'warden-audit-bundle/v1',
    entries: records.map((record) => Buffer.from(record).toString('base64')),
    checkpoints: [...checkpoints],
  };
}

function entryAt(records: readonly Uint8Array[], index: number): AuditEntry {
  const entry = decodeEntry(records[index] ?? new Uint8Array());
  if (!entry) throw new TypeError(`no entry ${index}`);
  return entry;
}

/** The kinds of tampering of the matrix. */
export type Tampering = 'edit' | 'delete' | 'insert' | 'reorder' | 'truncate';

/** Applies one tampering at `position`; returns the new records. */
export function tamper(records: readonly Uint8Array[], kind: Tampering, position: number): Uint8Array[] {
  const copy = [...records];
  switch (kind) {
    case 'edit': {
      const entry = entryAt(copy, position);
      copy[position] = encodeEntry({
        ...entry,
        event: { ...entry.event, details: { ...entry.event.details, tool: 'rm -rf' } },
      });
      return copy;
    }
    case 'delete':
      copy.splice(position, 1);
      return copy;
    case 'insert': {
      // A plausible forgery: the right position number and the right link to the entry before.
      const forged = { seq: position, prev: entryAt(copy, position).prev, event: sampleEvent(-1) };
      copy.splice(position, 0, encodeEntry(forged));
      return copy;
    }
    case 'reorder': {
      const other = position + 1 < copy.length ? position + 1 : position - 1;
      const [first, second] = [copy[position], copy[other]] as [Uint8Array, Uint8Array];
      copy[position] = second;
      copy[other] = first;
      return copy;
    }
    case 'truncate':
      return copy.slice(0, position);
  }
}

/** Rewrites every `seq` and `prev` so the per-entry checks pass: only the signed roots can tell. */
export function relink(records: readonly Uint8Array[]): Uint8Array[] {
  const relinked: Uint8Array[] = [];
  records.forEach((record, index) => {
    const entry = decodeEntry(record);
    if (!entry) throw new TypeError(`no entry ${index}`);
    const previous = relinked[index - 1];
    relinked.push(encodeEntry({ ...entry, seq: index, prev: hashToBase64(previous && hashLeaf(previous)) }));
  });
  return relinked;
}

/** Checkpoints for `records` signed with `privateKey` (a forger's key): what a re-signing attacker stores. */
export function forgeCheckpoints(
  records: readonly Uint8Array[],
  sizes: readonly number[],
  privateKey: KeyObject,
  publicKey: KeyObject,
): string[] {
  const tree = new MerkleTree();
  for (const record of records) tree.append(hashLeaf(record));
  return sizes
    .filter((size) => size <= tree.size)
    .map((size) => {
      const text = formatCheckpoint({ origin: 'warden.test/audit', size, rootHash: tree.root(size), extensions: [] });
      return signNote(text, 'warden.test/audit', privateKey, publicKey);
    });
}

/** Drops stored checkpoints that would reveal a truncation to `size` (what a careful attacker does). */
export function checkpointsUpTo(checkpoints: readonly string[], size: number): string[] {
  return checkpoints.filter((note) => parseCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 1)).size <= size);
}
