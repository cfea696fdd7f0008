/**
 * RFC 6962 (section 2.1) hashing: SHA-256 with one-byte domain separation, so that a leaf can
 * never be passed off as an interior node and the other way round.
 *
 * @module
 */
import { createHash, hash } from 'node:crypto';

/** Length in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** The root of an empty tree: SHA-256 of the empty string. */
export function emptyRootHash(): Uint8Array {
  return createHash('sha256').digest();
}

/** The hash of a leaf: SHA-256(0x00 || data). */
export function hashLeaf(data: Uint8Array): Uint8Array {
  // One-shot hashing allocates no Hash object: about a third faster per leaf than createHash.
  return hash('sha256', Buffer.concat([LEAF_PREFIX, data]), 'buffer');
}

/** The hash of an interior node: SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return hash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
}

/** Constant-time-irrelevant equality of two hashes (both are public values). */
export function equalHashes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && Buffer.compare(left, right) === 0;
}
