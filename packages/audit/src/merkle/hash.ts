/**
 * RFC 6962 (section 2.1) hashing: SHA-256 with one-byte domain separation, so that a leaf can
 * never be passed off as an interior node and the other way round.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { createHash, hash } from 'node:crypto';

/** Length in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;
// Scratch input of an interior node (prefix, left, right): no allocation per node.
const NODE_INPUT = Buffer.alloc(1 + 2 * HASH_SIZE, NODE_PREFIX);

/**
 * SHA-256 of `data` as a latin1 (`binary`) string: one byte per character. Node 20's one-shot `hash`
 * returns a string about three times faster than a Buffer, and a latin1 string is written into
 * a buffer without decoding.
 */
function sha256Latin1(data: Uint8Array): string {
  return hash('sha256', data, 'binary');
}

function sha256(data: Uint8Array): Buffer {
  return Buffer.from(sha256Latin1(data), 'latin1');
}

/** The root of an empty tree: SHA-256 of the empty string. */
export function emptyRootHash(): Uint8Array {
  return createHash('sha256').digest();
}

/** The hash of a leaf: SHA-256(0x00 || data). */
export function hashLeaf(data: Uint8Array): Uint8Array {
  const input = Buffer.allocUnsafe(1 + data.length);
  input[0] = LEAF_PREFIX;
  input.set(data, 1);
  return sha256(input);
}

/**
 * Writes the leaf hash of `slot.subarray(1)` to `target` at `targetOffset` and returns it in
 * base64: the caller leaves the first byte free for the leaf prefix, so entries encoded into one
 * batch buffer are hashed where they lie, without a copy, and the hashes of a batch land in one
 * buffer. Base64 is what the next entry's `prev` needs; decoding it is cheaper than a second encoding.
 */
export function hashLeafInSlotInto(slot: Buffer, target: Buffer, targetOffset: number): string {
  slot[0] = LEAF_PREFIX;
  const base64 = hash('sha256', slot, 'base64');
  target.write(base64, targetOffset, HASH_SIZE, 'base64');
  return base64;
}

/** The hash of an interior node: SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    return sha256(Buffer.concat([NODE_INPUT.subarray(0, 1), left, right]));
  }
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_SIZE);
  return sha256(NODE_INPUT);
}

/**
 * Writes the interior node over the two hashes at `childOffset` of `children` (left then right)
 * to `target` at `targetOffset`: how the tree grows without allocating a hash per node.
 */
export function hashChildrenInto(children: Buffer, childOffset: number, target: Buffer, targetOffset: number): void {
  children.copy(NODE_INPUT, 1, childOffset, childOffset + 2 * HASH_SIZE);
  target.write(sha256Latin1(NODE_INPUT), targetOffset, HASH_SIZE, 'latin1');
}

/** Constant-time-irrelevant equality of two hashes (both are public values). */
export function equalHashes(left: Uint8Array, right: Uint8Array): boolean {
  return left.length === right.length && Buffer.compare(left, right) === 0;
}
